import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RealtimeModule } from '../realtime';
import { AlertsModule } from '../alerts';
import { RoadsModule } from '../roads';
import { DispatchModule } from '../dispatch';
import { CommandModule } from '../command';
import { PerimetersService } from './perimeters.service';

/** 环城封控圈 standing perimeters: configuration, live readiness and its push, activation. */
@Module({
  imports: [AuthModule, RealtimeModule, AlertsModule, RoadsModule, DispatchModule, CommandModule],
  providers: [PerimetersService],
  exports: [PerimetersService],
})
export class PerimetersModule {}
