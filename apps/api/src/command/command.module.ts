import { Module } from '@nestjs/common';
import { CommandModule, IncidentsModule } from '@ringcad/core';
import { SealingController } from './sealing.controller';
import { PlansController } from './plans.controller';
import { DefenseLevelsController } from './defense-levels.controller';
import { AgenciesController } from './agencies.controller';

/** Incident command: sealing, response plans, defense levels and partner agencies. */
@Module({
  imports: [CommandModule, IncidentsModule],
  controllers: [SealingController, PlansController, DefenseLevelsController, AgenciesController],
})
export class CommandApiModule {}
