import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RealtimeModule } from '../realtime';
import { RoadsModule } from '../roads';
import { LiveFleetService } from './live-fleet.service';
import { PositionsService } from './positions.service';
import { UnitsService } from './units.service';

/** Units, their reported positions and the live fleet in Redis. */
@Module({
  imports: [AuthModule, RealtimeModule, RoadsModule],
  providers: [LiveFleetService, PositionsService, UnitsService],
  exports: [LiveFleetService, PositionsService, UnitsService],
})
export class FleetModule {}
