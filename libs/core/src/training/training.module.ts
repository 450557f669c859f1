import { Module } from '@nestjs/common';
import { RealtimeModule } from '../realtime';
import { TrainingService } from './training.service';

/** 训练模拟: the demo's training-simulator switches. */
@Module({
  imports: [RealtimeModule],
  providers: [TrainingService],
  exports: [TrainingService],
})
export class TrainingModule {}
