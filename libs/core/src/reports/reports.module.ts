import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RoadsModule } from '../roads';
import { IncidentsModule } from '../incidents';
import { ReportsService } from './reports.service';
import { ReplayService } from './replay.service';
import { ReplayChunksService } from './replay-chunks.service';
import { SchemesModule } from '../schemes';

/** Response-time reports and incident/area replay (and the processors' replay chunk rebuilds). */
@Module({
  imports: [AuthModule, RoadsModule, IncidentsModule, SchemesModule],
  providers: [ReportsService, ReplayService, ReplayChunksService],
  exports: [ReportsService, ReplayService, ReplayChunksService],
})
export class ReportsModule {}
