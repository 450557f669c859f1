import { Module } from '@nestjs/common';
import { ExercisesModule, SafetyIndexModule } from '@ringcad/core';
import { ExercisesController, SafetyIndexController } from './exercises.controller';

/** 演练 (the runner runs in the api) and the 平安指数 board. */
@Module({
  imports: [ExercisesModule, SafetyIndexModule],
  controllers: [ExercisesController, SafetyIndexController],
})
export class ExercisesApiModule {}
