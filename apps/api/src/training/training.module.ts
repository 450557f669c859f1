import { Module } from '@nestjs/common';
import { TrainingModule } from '@ringcad/core';
import { TrainingController } from './training.controller';

/** 训练模拟 switches. */
@Module({
  imports: [TrainingModule],
  controllers: [TrainingController],
})
export class TrainingApiModule {}
