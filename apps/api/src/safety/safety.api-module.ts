import { Module } from '@nestjs/common';
import { SafetyModule } from '@ringcad/core';
import { SafetyController } from './safety.controller';
import { TerminalPageController } from './terminal-page.controller';

@Module({
  imports: [SafetyModule],
  controllers: [SafetyController, TerminalPageController],
  exports: [SafetyModule],
})
export class SafetyApiModule {}
