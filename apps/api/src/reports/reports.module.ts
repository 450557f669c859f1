import { Module } from '@nestjs/common';
import { IncidentsModule, ReportsModule } from '@ringcad/core';
import { ReportsController } from './reports.controller';
import { ReplayController } from './replay.controller';

/** Reports, EIDO export and replay. */
@Module({
  imports: [ReportsModule, IncidentsModule],
  controllers: [ReportsController, ReplayController],
})
export class ReportsApiModule {}
