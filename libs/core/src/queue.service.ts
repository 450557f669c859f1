import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Queue, Worker, createPostgresBackend, runMigrations, type Job, type Processor } from 'bullmq';
import IORedis, { type Redis } from 'ioredis';
import type { AppConfig } from './config';
import { DatabaseService } from './database.service';
import { APP_CONFIG } from './tokens';

/**
 * BullMQ on Redis (services mode) or on its PostgreSQL backend over our PGlite session
 * (embedded mode). Callers only see queues and workers.
 */
@Injectable()
export class QueueService implements OnApplicationShutdown {
  private readonly logger = new Logger(QueueService.name);
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private redis?: Redis;
  private readonly connections: Redis[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly database: DatabaseService,
  ) {}

  async open(): Promise<void> {
    if (this.config.REDIS_URL) {
      this.redis = new IORedis(this.config.REDIS_URL, { maxRetriesPerRequest: null });
      await this.redis.ping();
      return;
    }
    const pool = this.database.raw.bullmqPool();
    const client = await pool.connect();
    try {
      await runMigrations(client);
    } finally {
      client.release();
    }
    // BullMQ's SQL uses unqualified names and cannot set search_path on a pool it did not build.
    await pool.query('SET search_path TO bullmq, public');
  }

  get backend(): 'redis' | 'postgres' {
    return this.redis ? 'redis' : 'postgres';
  }

  private options() {
    return this.redis
      ? { connection: this.track(this.redis.duplicate()), prefix: this.config.REDIS_PREFIX }
      : { connection: this.database.raw.bullmqPool() as never };
  }

  private track(r: Redis): Redis {
    this.connections.push(r);
    return r;
  }

  queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = this.redis
        ? new Queue(name, this.options())
        : (new Queue(name, this.options(), createPostgresBackend as never));
      q.on('error', (err) => this.logger.error(`queue ${name}: ${err.message}`));
      this.queues.set(name, q);
    }
    return q;
  }

  worker<T>(name: string, processor: (job: Job<T>) => Promise<unknown>, concurrency = 4): Worker {
    const opts = { ...this.options(), concurrency };
    const worker = this.redis
      ? new Worker(name, processor as Processor, opts)
      : (new Worker(name, processor as Processor, opts, createPostgresBackend as never));
    worker.on('error', (err) => this.logger.error(`worker ${name}: ${err.message}`));
    worker.on('failed', (job, err) => this.logger.error(`job ${job?.id} on ${name} failed: ${err.message}`));
    this.workers.push(worker);
    return worker;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    for (const c of this.connections) c.disconnect();
    this.redis?.disconnect();
  }
}
