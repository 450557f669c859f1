import {
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Emitter } from '@socket.io/redis-emitter';
import type { Redis } from 'ioredis';
import {
  CONSOLE_NAMESPACE,
  TERMINAL_NAMESPACE,
  type ConsoleServerToClientEvents,
  type TerminalServerToClientEvents,
} from '@ringcad/contracts';
import {
  APP_CONFIG,
  AlertsModule,
  CommandModule,
  CoverageModule,
  FleetModule,
  PatrolModule,
  PerimetersModule,
  PlatformModule,
  RealtimeModule,
  ReportsModule,
  RealtimePublisher,
  SafetyIndexModule,
  SafetyModule,
  TimersModule,
  createRedis,
  type AppConfig,
  type PlatformOptions,
} from '@ringcad/core';

/**
 * Publishes the worker's realtime events through Redis to every api instance's sockets. Bound in
 * onModuleInit, which Nest runs for every module before any onApplicationBootstrap: the
 * processors start there, and an alert they raise must have somewhere to go.
 */
class EmitterBinding implements OnModuleInit, OnApplicationShutdown {
  private redis?: Redis;
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RealtimePublisher) private readonly publisher: RealtimePublisher,
  ) {}
  async onModuleInit() {
    if (!this.config.REDIS_URL) return;
    const redis = createRedis(this.config.REDIS_URL, 'pubsub', 'socket.io-emitter');
    this.redis = redis;
    // the emitter is bound before any processor starts, so nothing fires before it can be pushed
    await redis.ping();
    const opts = { key: `${this.config.REDIS_PREFIX}-socket.io` };
    this.publisher.bind(
      {
        console: new Emitter<ConsoleServerToClientEvents>(redis, opts, CONSOLE_NAMESPACE),
        terminal: new Emitter<TerminalServerToClientEvents>(redis, opts, TERMINAL_NAMESPACE),
      },
      { connected: () => redis.status === 'ready' },
    );
  }
  onApplicationShutdown() {
    this.redis?.disconnect();
  }
}

@Module({})
export class WorkerModule {
  static forRoot(platform: PlatformOptions): DynamicModule {
    return {
      module: WorkerModule,
      // the features whose processors the worker runs: timers, position persistence (fleet),
      // agency reminders (command), coverage pushes and alert delivery
      imports: [
        PlatformModule.forRoot({
          ...platform,
          config: { ...platform.config, runProcessors: true },
        }),
        RealtimeModule,
        AlertsModule,
        FleetModule,
        TimersModule,
        CommandModule,
        CoverageModule,
        // 环城封控圈 readiness pushes and perimeter alerts
        PerimetersModule,
        // its check-in timer kinds are fired wherever timers are processed
        SafetyModule,
        // the 平安指数 sampler's repeatable job (见警率 and perimeter readiness samples)
        SafetyIndexModule,
        // 见警率: tracks map-matched into the stored chunks as they arrive
        PatrolModule,
        // area replay: the stored 15 s track chunks rebuilt as tracks arrive
        ReportsModule,
      ],
      providers: [EmitterBinding],
    };
  }
}
