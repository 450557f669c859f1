import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AlertOutbox } from './alert-outbox.service';
import { AuthService } from './auth.service';
import { Clock, SystemClock } from './clock';
import type { AppConfig } from './config';
import { ConsoleSyncService } from './console-sync.service';
import { DatabaseService } from './database.service';
import { DispatchService } from './dispatch.service';
import { EtaEngine } from './eta-engine';
import { IncidentsService } from './incidents.service';
import { DeskService } from './desk.service';
import { PremisesService } from './premises.service';
import { InputBounds } from './input-bounds';
import { PlacesService } from './places.service';
import { PositionsService } from './positions.service';
import { LiveFleetService } from './live-fleet.service';
import { QueueService } from './queue.service';
import { RealtimePublisher } from './realtime';
import { RecommendationService } from './recommendation.service';
import { RoadNetworkService } from './road-network.service';
import { RouteService } from './route.service';
import { CoverageService } from './coverage.service';
import { AgenciesService } from './agencies.service';
import { DefenseLevelsService } from './defense-levels.service';
import { PlansService } from './plans.service';
import { SealingService } from './sealing.service';
import { TimelineService } from './timeline.service';
import { ReportsService } from './reports.service';
import { ReplayService } from './replay.service';
import { EidoService } from './eido';
import { TimersService } from './timers.service';
import { APP_CONFIG } from './tokens';
import { UnitsService } from './units.service';
import { ScopeService } from './scope';

export interface CoreOptions {
  config: AppConfig;
  clock?: Clock;
}

const SERVICES = [
  ScopeService,
  AuthService,
  PlacesService,
  LiveFleetService,
  PositionsService,
  UnitsService,
  RoadNetworkService,
  InputBounds,
  RouteService,
  DefenseLevelsService,
  CoverageService,
  EtaEngine,
  RecommendationService,
  AlertOutbox,
  TimersService,
  DispatchService,
  AgenciesService,
  PlansService,
  SealingService,
  IncidentsService,
  DeskService,
  PremisesService,
  TimelineService,
  ReportsService,
  ReplayService,
  EidoService,
  ConsoleSyncService,
  RealtimePublisher,
];

/** What api and worker both run: database, queues, timers and the incident/dispatch services. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(options: CoreOptions): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: options.config },
        { provide: Clock, useValue: options.clock ?? new SystemClock() },
        {
          provide: DatabaseService,
          inject: [APP_CONFIG],
          useFactory: async (config: AppConfig) => {
            const s = new DatabaseService(config);
            await s.open();
            return s;
          },
        },
        {
          provide: QueueService,
          inject: [APP_CONFIG, DatabaseService],
          useFactory: async (config: AppConfig, db: DatabaseService) => {
            const s = new QueueService(config, db);
            await s.open();
            return s;
          },
        },
        ...SERVICES,
      ],
      exports: [APP_CONFIG, Clock, DatabaseService, QueueService, ...SERVICES],
    };
  }
}
