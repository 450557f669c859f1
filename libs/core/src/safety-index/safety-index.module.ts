import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RoadsModule } from '../roads';
import { PatrolModule } from '../patrol';
import { PerimetersModule } from '../perimeters';
import { IndexSamplerService } from './index-sampler.service';
import { SafetyIndexService } from './safety-index.service';

/** 平安指数: the district safety index board, and the sampler of its 见警率 and perimeter parts. */
@Module({
  imports: [AuthModule, RoadsModule, PatrolModule, PerimetersModule],
  providers: [SafetyIndexService, IndexSamplerService],
  exports: [SafetyIndexService, IndexSamplerService],
})
export class SafetyIndexModule {}
