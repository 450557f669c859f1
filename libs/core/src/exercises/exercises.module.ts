import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RoadsModule } from '../roads';
import { IncidentsModule } from '../incidents';
import { ExercisesService } from './exercises.service';

/** 演练: exercises and their runner (api process). */
@Module({
  imports: [AuthModule, RoadsModule, IncidentsModule],
  providers: [ExercisesService],
  exports: [ExercisesService],
})
export class ExercisesModule {}
