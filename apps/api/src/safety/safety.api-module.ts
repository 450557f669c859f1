import { Module } from '@nestjs/common';
import { SafetyModule } from '@ringcad/core';
import { RealtimeApiModule } from '../realtime/realtime.module';
import { SafetyController } from './safety.controller';
import { TerminalPageController } from './terminal-page.controller';

@Module({
  imports: [SafetyModule, RealtimeApiModule],
  controllers: [SafetyController, TerminalPageController],
  exports: [SafetyModule],
})
export class SafetyApiModule {}
