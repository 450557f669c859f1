import { Module } from '@nestjs/common';
import { CommandModule } from '../command';
import { FleetModule } from '../fleet';
import { RealtimeModule } from '../realtime';
import { RoadsModule } from '../roads';
import { DeploymentService } from './deployment.service';

/** 等级化部署: hotspots and shift deployment plans. */
@Module({
  imports: [RealtimeModule, RoadsModule, FleetModule, CommandModule],
  providers: [DeploymentService],
  exports: [DeploymentService],
})
export class DeploymentModule {}
