import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { SafetyIndexService } from './safety-index.service';

/** 平安指数: the district safety index board. */
@Module({
  imports: [AuthModule],
  providers: [SafetyIndexService],
  exports: [SafetyIndexService],
})
export class SafetyIndexModule {}
