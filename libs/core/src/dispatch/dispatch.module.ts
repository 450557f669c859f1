import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RealtimeModule } from '../realtime';
import { RoadsModule } from '../roads';
import { FleetModule } from '../fleet';
import { TimersModule } from '../timers';
import { EtaEngine } from './eta-engine';
import { RecommendationService } from './recommendation.service';
import { RouteService } from './route.service';
import { DispatchService } from './dispatch.service';
import { UnitRoster } from './unit-roster';
import { SchemesModule } from '../schemes';

/** Recommending, dispatching and routing units (ETA on the road network). */
@Module({
  imports: [AuthModule, RealtimeModule, RoadsModule, FleetModule, TimersModule, SchemesModule],
  providers: [EtaEngine, RecommendationService, RouteService, DispatchService, UnitRoster],
  exports: [RecommendationService, RouteService, DispatchService],
})
export class DispatchModule {}
