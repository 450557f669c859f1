import { Module } from '@nestjs/common';
import { AuthService } from './auth.service';
import { ScopeService } from './scope';

/** Sign-in, unit tokens and the jurisdiction scope every feature checks. */
@Module({
  providers: [AuthService, ScopeService],
  exports: [AuthService, ScopeService],
})
export class AuthModule {}
