import { Body, Controller, Get, HttpCode, Param, Patch, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import {
  createUserSchema,
  loginSchema,
  resetPasswordSchema,
  updateUserSchema,
} from '@ringcad/contracts';
import { AuthService, DomainError, parseInput, type Principal } from '@ringcad/core';
import { RealtimeGateway } from '../realtime/realtime.gateway';
import { uuidParam } from '../common/params';
import { Access, Public } from './access';
import { bearerToken } from './auth.guard';
import { clientAddress } from './client-ip';
import { LoginThrottle } from './login-throttle';
import { CurrentPrincipal } from './principal.decorator';
import { ApiRoute } from '../common/api-route';
import { loginResponseSchema, userViewSchema } from '@ringcad/contracts';
import { z } from 'zod';

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
  @ApiRoute({
    summary: 'Sign in: an access token for the console',
    body: loginSchema,
    response: loginResponseSchema,
    errors: ['RATE_LIMITED'],
  })
  async login(@Body() body: unknown, @Req() req: Request) {
    const input = parseInput(loginSchema, body);
    const ip = clientAddress(req);
    await this.throttle.attempt(ip, input.username);
    let result;
    try {
      result = await this.auth.login(input);
    } catch (err) {
      // a wrong password stays counted; anything else (database down) gives the attempt back
      if (!(err instanceof DomainError && err.code === 'UNAUTHENTICATED'))
        await this.throttle.abandoned(ip, input.username);
      throw err;
    }
    await this.throttle.succeeded(ip, input.username);
    return result;
  }

  /** Revokes the caller's session token; its open console sockets are closed too. */
  @Access({ scope: 'none' })
  @Post('auth/logout')
  @HttpCode(204)
  @ApiRoute({
    summary: "Sign out: revokes the caller's session token and closes its console sockets",
    response: null,
  })
  async logout(@Req() req: Request) {
    const token = bearerToken(req.headers.authorization) as string;
    await this.auth.logout(token);
    this.realtime.disconnectSession(token);
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Get('users')
  @ApiRoute({
    summary: 'Accounts, with whether each is disabled',
    response: z.array(userViewSchema),
  })
  listUsers() {
    return this.auth.listUsers();
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Post('users')
  @ApiRoute({
    summary: 'Create an account',
    body: createUserSchema,
    response: userViewSchema,
    errors: ['CONFLICT'],
  })
  createUser(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.auth.createUser(parseInput(createUserSchema, body), by);
  }

  /** Disables an account: it cannot log in, its sessions are revoked and its consoles disconnected. */
  @Access({ roles: ['admin'], scope: 'city' })
  @Post('users/:id/disable')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Disable an account: no login, sessions revoked, consoles disconnected',
    response: userViewSchema,
    errors: ['CONFLICT'],
  })
  async disable(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    const user = await this.auth.setDisabled(id, true, by);
    this.realtime.disconnectUser(id);
    return user;
  }

  /** New roles or jurisdiction scope; open consoles reconnect to get the new rooms. */
  @Access({ roles: ['admin'], scope: 'city' })
  @Patch('users/:id')
  @ApiRoute({
    summary: "Change an account's roles or jurisdiction scope",
    body: updateUserSchema,
    response: userViewSchema,
    errors: ['CONFLICT'],
  })
  async update(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    const user = await this.auth.updateUser(id, parseInput(updateUserSchema, body), by);
    this.realtime.disconnectUser(id);
    return user;
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Post('users/:id/password')
  @HttpCode(200)
  @ApiRoute({
    summary: "Reset an account's password: its sessions end and its consoles disconnect",
    body: resetPasswordSchema,
    response: userViewSchema,
  })
  async resetPassword(
    @Param('id', uuidParam) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() by: Principal,
  ) {
    const { password } = parseInput(resetPasswordSchema, body);
    const user = await this.auth.resetPassword(id, password, by);
    this.realtime.disconnectUser(id);
    return user;
  }

  @Access({ roles: ['admin'], scope: 'city' })
  @Post('users/:id/enable')
  @HttpCode(200)
  @ApiRoute({ summary: 'Enable a disabled account', response: userViewSchema })
  enable(@Param('id', uuidParam) id: string, @CurrentPrincipal() by: Principal) {
    return this.auth.setDisabled(id, false, by);
  }
}
