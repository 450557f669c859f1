import { Module } from '@nestjs/common';
import { DispatchModule, IncidentsModule, RoadsModule } from '@ringcad/core';
import { RoadsController } from './roads.controller';
import { PlacesController } from './places.controller';

/** The road network, isochrones, routes and places (checkpoints, jurisdictions, standby points). */
@Module({
  imports: [RoadsModule, DispatchModule, IncidentsModule],
  controllers: [RoadsController, PlacesController],
})
export class RoadsApiModule {}
