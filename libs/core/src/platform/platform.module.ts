import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Clock, SystemClock } from './clock';
import type { AppConfig } from './config';
import { DatabaseService } from './database.service';
import { EmbeddedVacuumService } from './embedded-vacuum';
import { HealthService } from './health.service';
import { MetricsService } from './metrics.service';
import { QueueService } from './queue.service';
import { APP_CONFIG } from './tokens';

export interface PlatformOptions {
  config: AppConfig;
  clock?: Clock;
}

/**
 * The infrastructure every feature uses: config, clock, database, queues, health and metrics. Imported once by
 * each app (`PlatformModule.forRoot`); the only global module, so features import only features.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    return {
      module: PlatformModule,
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
        HealthService,
        MetricsService,
        EmbeddedVacuumService,
      ],
      exports: [APP_CONFIG, Clock, DatabaseService, QueueService, HealthService, MetricsService],
    };
  }
}
