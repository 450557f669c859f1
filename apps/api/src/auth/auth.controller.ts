import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { createUserSchema, loginSchema } from '@ringcad/contracts';
import { AuthService, DomainError, parseInput, type Principal } from '@ringcad/core';
import { RealtimeGateway } from '../realtime/realtime.gateway';
import { uuidParam } from '../common/params';
import { Access, Public } from './access';
import { bearerToken } from './auth.guard';
import { clientAddress } from './client-ip';
import { LoginThrottle } from './login-throttle';
import { CurrentPrincipal } from './principal.decorator';

@Controller('api/v1')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly throttle: LoginThrottle,
    private readonly realtime: RealtimeGateway,
  ) {}

  @Public()
  @Post('auth/login')
  @HttpCode(200)
  async login(@Body() body: unknown, @Req() req: Request) {
    const input = parseInput(loginSchema, body);
    const ip = clientAddress(req);
    await this.throttle.attempt(ip, input.username);
    let result;
    try {
      result = await this.auth.login(input);
    } catch (err) {
      // a wrong password stays counted; anything else (database down) gives the attempt back
      if (!(err instanceof DomainError && err.code === 'UNAUTHENTICATED')) await this.throttle.abandoned(ip, input.username);
      throw err;
    }
    await this.throttle.succeeded(ip, input.username);
    return result;
  }

  /** Revokes the caller's session token; its open console sockets are closed too. */
  @Post('auth/logout')
  @HttpCode(204)
  async logout(@Req() req: Request) {
    const token = bearerToken(req.headers.authorization) as string;
    await this.auth.logout(token);
    this.realtime.disconnectSession(token);
  }

  @Access({ roles: ['admin'] })
  @Get('users')
  listUsers() {
    return this.auth.listUsers();
  }

  @Access({ roles: ['admin'] })
  @Post('users')
  createUser(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.auth.createUser(parseInput(createUserSchema, body), by);
  }

  /** Disables an account: it cannot log in, its sessions are revoked and its consoles disconnected. */
  @Access({ roles: ['admin'] })
  @Post('users/:id/disable')
  @HttpCode(200)
  async disable(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    const user = await this.auth.setDisabled(id, true, by);
    this.realtime.disconnectUser(id);
    return user;
  }

  @Access({ roles: ['admin'] })
  @Post('users/:id/enable')
  @HttpCode(200)
  enable(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.auth.setDisabled(id, false, by);
  }
}
