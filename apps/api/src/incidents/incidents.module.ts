import { Module } from '@nestjs/common';
import { DispatchModule, IncidentsModule, RoadsModule } from '@ringcad/core';
import { IncidentsController } from './incidents.controller';
import { DeskController } from './desk.controller';

/** The call-taker's and dispatcher's incident routes: create, dispatch, desk, premises. */
@Module({
  imports: [IncidentsModule, DispatchModule, RoadsModule],
  controllers: [IncidentsController, DeskController],
})
export class IncidentsApiModule {}
