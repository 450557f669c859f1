import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthModule } from '@ringcad/core';
import { RealtimeApiModule } from '../realtime/realtime.module';
import { AuthController } from './auth.controller';
import { LoginThrottle } from './login-throttle';
import { AuthGuard } from './auth.guard';

/** Login, users and the global guard that authenticates every request and checks its @Access scope. */
@Module({
  imports: [AuthModule, RealtimeApiModule],
  controllers: [AuthController],
  providers: [LoginThrottle, { provide: APP_GUARD, useClass: AuthGuard }],
})
export class AuthApiModule {}
