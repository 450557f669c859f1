import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { createUserSchema, loginSchema } from '@ringcad/contracts';
import { AuthService, DomainError, parseInput, type Principal } from '@ringcad/core';
import { Access, Public } from './access';
import { LoginThrottle } from './login-throttle';
import { CurrentPrincipal } from './principal.decorator';

@Controller('api/v1')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly throttle: LoginThrottle,
  ) {}

  @Public()
  @Post('auth/login')
  @HttpCode(200)
  async login(@Body() body: unknown) {
    const input = parseInput(loginSchema, body);
    this.throttle.check(input.username);
    try {
      const result = await this.auth.login(input);
      this.throttle.succeeded(input.username);
      return result;
    } catch (err) {
      if (err instanceof DomainError && err.code === 'UNAUTHENTICATED') this.throttle.failed(input.username);
      throw err;
    }
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Post('users')
  createUser(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.auth.createUser(parseInput(createUserSchema, body), by);
  }
}
