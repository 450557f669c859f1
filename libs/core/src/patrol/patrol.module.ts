import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RoadsModule } from '../roads';
import { PatrolService } from './patrol.service';
import { PatrolStoreService } from './patrol-store.service';

/** 见警率 and 巡逻方案 (点线面): visibility and plan compliance from map-matched tracks. */
@Module({
  imports: [AuthModule, RoadsModule],
  providers: [PatrolService, PatrolStoreService],
  exports: [PatrolService, PatrolStoreService],
})
export class PatrolModule {}
