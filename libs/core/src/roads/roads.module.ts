import { Module } from '@nestjs/common';
import { RoadNetworkService } from './road-network.service';
import { InputBounds } from './input-bounds';
import { PlacesService } from './places.service';
import { PremisesService } from './premises.service';
import { SchemesModule } from '../schemes';

/** The road network, the input bounds it defines, places and premises. */
@Module({
  imports: [SchemesModule],
  providers: [RoadNetworkService, InputBounds, PlacesService, PremisesService],
  exports: [RoadNetworkService, InputBounds, PlacesService, PremisesService],
})
export class RoadsModule {}
