import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RealtimeModule } from '../realtime';
import { RoadsModule } from '../roads';
import { FleetModule } from '../fleet';
import { TimersModule } from '../timers';
import { DispatchModule } from '../dispatch';
import { CommandModule } from '../command';
import { IncidentsService } from './incidents.service';
import { DeskService } from './desk.service';
import { TimelineService } from './timeline.service';
import { EidoService } from './eido';
import { SchemesModule } from '../schemes';

/** Incidents: the call-taker's create, the desk, the timeline and its EIDO export. */
@Module({
  imports: [
    AuthModule,
    SchemesModule,
    RealtimeModule,
    RoadsModule,
    FleetModule,
    TimersModule,
    DispatchModule,
    CommandModule,
  ],
  providers: [IncidentsService, DeskService, TimelineService, EidoService],
  exports: [IncidentsService, DeskService, TimelineService, EidoService],
})
export class IncidentsModule {}
