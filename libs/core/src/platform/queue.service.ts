import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Queue, Worker, createPostgresBackend, runMigrations, type Job, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AppConfig } from './config';
import { DatabaseService } from './database.service';
import { asDependencyError, withDeadline } from './dependency-errors';
import { runWithRequestId } from './request-context';
import { createRedis, watch, whenReady } from './redis-clients';
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
  /** Base of the workers' blocking connections: waits out an outage. */
  private redis?: Redis;
  /** Queues' connection: adds and removes fail fast while Redis is down. */
  private producer?: Redis;
  private readonly connections: Redis[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly database: DatabaseService,
  ) {}

  async open(): Promise<void> {
    if (this.config.REDIS_URL) {
      this.redis = createRedis(this.config.REDIS_URL, 'blocking', 'bullmq-workers');
      this.producer = createRedis(this.config.REDIS_URL, 'request', 'bullmq-queues');
      await this.redis.ping();
      await whenReady(this.producer);
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

  private options(role: 'queue' | 'worker') {
    if (!this.redis || !this.producer) return { connection: this.database.raw.bullmqPool() as never };
    const base = role === 'queue' ? this.producer : this.redis;
    return { connection: this.track(watch(base.duplicate(), `bullmq-${role}`)), prefix: this.config.REDIS_PREFIX };
  }

  private track(r: Redis): Redis {
    this.connections.push(r);
    return r;
  }

  queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = this.redis
        ? new Queue(name, this.options('queue'))
        : (new Queue(name, this.options('queue'), createPostgresBackend as never));
      q.on('error', (err) => this.logger.error(`queue ${name}: ${err.message}`));
      if (this.redis) bound(q);
      this.queues.set(name, q);
    }
    return q;
  }

  worker<T>(name: string, processor: (job: Job<T>) => Promise<unknown>, concurrency = 4): Worker {
    const opts = { ...this.options('worker'), concurrency };
    // each job runs under its own id, so what it logs can be told apart and found
    const run = ((job: Job<T>) => runWithRequestId(`job:${name}:${job.id ?? '?'}`, () => processor(job))) as Processor;
    const worker = this.redis ? new Worker(name, run, opts) : (new Worker(name, run, opts, createPostgresBackend as never));
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
    this.producer?.disconnect();
  }

  /** Round trip to Redis within the request deadline (health). */
  async pingRedis(): Promise<void> {
    if (this.producer) await withDeadline(this.producer.ping(), 'redis');
  }
}

/**
 * A queue created while Redis is down waits for its connection before its first command; the
 * request path must not wait with it. Adds and removes get the request deadline and answer
 * DEPENDENCY_DOWN, so a caller either handles it (timers: the row stays pending for the sweeper)
 * or the client gets a 503.
 */
function bound(q: Queue) {
  const add = q.add.bind(q);
  const remove = q.remove.bind(q);
  q.add = (...args: Parameters<Queue['add']>) => deadline(add(...args));
  q.remove = (...args: Parameters<Queue['remove']>) => deadline(remove(...args));
}

async function deadline<T>(work: Promise<T>): Promise<T> {
  try {
    return await withDeadline(work, 'redis');
  } catch (err) {
    throw asDependencyError(err);
  }
}
