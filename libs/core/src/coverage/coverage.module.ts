import { Module } from '@nestjs/common';
import { RealtimeModule } from '../realtime';
import { RoadsModule } from '../roads';
import { FleetModule } from '../fleet';
import { CommandModule } from '../command';
import { CoverageService } from './coverage.service';
import { SchemesModule } from '../schemes';

/** Live coverage of the rings and move-up suggestions. */
@Module({
  imports: [RealtimeModule, RoadsModule, FleetModule, CommandModule, SchemesModule],
  providers: [CoverageService],
  exports: [CoverageService],
})
export class CoverageModule {}
