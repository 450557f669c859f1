import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RealtimeModule } from '../realtime';
import { AlertsModule } from '../alerts';
import { RoadsModule } from '../roads';
import { FleetModule } from '../fleet';
import { TimersModule } from '../timers';
import { DispatchModule } from '../dispatch';
import { AgenciesService } from './agencies.service';
import { PlansService } from './plans.service';
import { SealingService } from './sealing.service';
import { DefenseLevelsService } from './defense-levels.service';
import { SchemesModule } from '../schemes';

/** Incident command: sealing checkpoints, plans, partner agencies and defense levels. */
@Module({
  imports: [
    AuthModule,
    SchemesModule,
    RealtimeModule,
    AlertsModule,
    RoadsModule,
    FleetModule,
    TimersModule,
    DispatchModule,
  ],
  providers: [AgenciesService, PlansService, SealingService, DefenseLevelsService],
  exports: [AgenciesService, PlansService, SealingService, DefenseLevelsService],
})
export class CommandModule {}
