import 'reflect-metadata';
import type { INestApplicationContext, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppLogger, type AppConfig, type Clock } from '@ringcad/core';
import { WorkerModule } from './worker.module';

export interface WorkerAppOptions {
  clock?: Clock;
  logger?: LoggerService | false;
}

/** Builds and starts the worker's context: processors running, realtime bound to Redis. */
export async function createWorkerApp(
  config: AppConfig,
  options: WorkerAppOptions = {},
): Promise<INestApplicationContext> {
  const logger = options.logger ?? new AppLogger(config.LOG_FORMAT);
  const app = await NestFactory.createApplicationContext(
    WorkerModule.forRoot({ config, clock: options.clock }),
    {
      ...(logger === undefined ? {} : { logger }),
    },
  );
  await app.init();
  return app;
}
