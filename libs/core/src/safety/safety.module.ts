import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RealtimeModule } from '../realtime';
import { AlertsModule } from '../alerts';
import { RoadsModule } from '../roads';
import { FleetModule } from '../fleet';
import { TimersModule } from '../timers';
import { DispatchModule } from '../dispatch';
import { IncidentsModule } from '../incidents';
import { SafetyService } from './safety.service';

/**
 * Officer safety (emergency button, on-scene check-in). Both api and worker import it: its timer
 * kinds must be registered wherever timers are processed.
 */
@Module({
  imports: [
    AuthModule,
    RealtimeModule,
    AlertsModule,
    RoadsModule,
    FleetModule,
    TimersModule,
    DispatchModule,
    IncidentsModule,
  ],
  providers: [SafetyService],
  exports: [SafetyService],
})
export class SafetyModule {}
