import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RealtimeModule } from '../realtime';
import { RoadsModule } from '../roads';
import { FleetModule } from '../fleet';
import { ImportsService } from './imports.service';
import { SchemesModule } from '../schemes';

/** Bulk imports of the admin seat (jurisdictions, points, units, accounts). */
@Module({
  imports: [AuthModule, RealtimeModule, RoadsModule, FleetModule, SchemesModule],
  providers: [ImportsService],
  exports: [ImportsService],
})
export class ImportsModule {}
