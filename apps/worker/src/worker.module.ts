import { Inject, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Emitter } from '@socket.io/redis-emitter';
import type { Redis } from 'ioredis';
import { APP_CONFIG, CoreModule, RealtimePublisher, createRedis, type AppConfig, type CoreOptions } from '@ringcad/core';

/** Publishes the worker's realtime events through Redis to every api instance's sockets. */
class EmitterBinding implements OnApplicationBootstrap, OnApplicationShutdown {
  private redis?: Redis;
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RealtimePublisher) private readonly publisher: RealtimePublisher,
  ) {}
  onApplicationBootstrap() {
    if (!this.config.REDIS_URL) return;
    this.redis = createRedis(this.config.REDIS_URL, 'pubsub', 'socket.io-emitter');
    this.publisher.bind(new Emitter(this.redis, { key: `${this.config.REDIS_PREFIX}-socket.io` }));
  }
  onApplicationShutdown() {
    this.redis?.disconnect();
  }
}

@Module({})
export class WorkerModule {
  static forRoot(core: CoreOptions): DynamicModule {
    return {
      module: WorkerModule,
      imports: [CoreModule.forRoot({ ...core, config: { ...core.config, runProcessors: true } })],
      providers: [EmitterBinding],
    };
  }
}
