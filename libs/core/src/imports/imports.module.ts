import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RealtimeModule } from '../realtime';
import { RoadsModule } from '../roads';
import { FleetModule } from '../fleet';
import { ImportsService } from './imports.service';

/** Bulk imports of the admin seat (jurisdictions, points, units, accounts). */
@Module({
  imports: [AuthModule, RealtimeModule, RoadsModule, FleetModule],
  providers: [ImportsService],
  exports: [ImportsService],
})
export class ImportsModule {}
