import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RoadsModule } from '../roads';
import { IncidentsModule } from '../incidents';
import { ReportsService } from './reports.service';
import { ReplayService } from './replay.service';
import { SchemesModule } from '../schemes';

/** Response-time reports and incident/area replay. */
@Module({
  imports: [AuthModule, RoadsModule, IncidentsModule, SchemesModule],
  providers: [ReportsService, ReplayService],
  exports: [ReportsService, ReplayService],
})
export class ReportsModule {}
