import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  Queue,
  UnrecoverableError,
  Worker,
  createPostgresBackend,
  runMigrations,
  type Job,
  type Processor,
} from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobPayload, JobQueue } from '@ringcad/contracts';
import {
  JobHandlerRegistry,
  JobPayloadError,
  runJob,
  type JobHandler,
  type JobRegistration,
} from './job-handlers';
import type { AppConfig } from './config';
import { DatabaseService } from './database.service';
import { asDependencyError, withDeadline } from './dependency-errors';
import { runWithRequestId } from './request-context';
import { createRedis, watch, whenReady } from './redis-clients';
import { APP_CONFIG } from './tokens';

/**
 * BullMQ on Redis (services mode) or on its PostgreSQL backend over our PGlite session
 * (embedded mode). Callers only see queues of the contract's `jobSchemas` and register one
 * handler per queue (`handle`, in onModuleInit); a process that runs processors checks at
 * bootstrap that every queue has its handler, then starts the workers.
 */
@Injectable()
export class QueueService
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(QueueService.name);
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly handlers = new JobHandlerRegistry();
  private closed = false;
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
    if (!this.redis || !this.producer)
      return { connection: this.database.raw.bullmqPool() as never };
    const base = role === 'queue' ? this.producer : this.redis;
    return {
      connection: this.track(watch(base.duplicate(), `bullmq-${role}`)),
      prefix: this.config.REDIS_PREFIX,
    };
  }

  private track(r: Redis): Redis {
    this.connections.push(r);
    return r;
  }

  queue<Q extends JobQueue>(name: Q): Queue<JobPayload<Q>> {
    let q = this.queues.get(name);
    if (!q) {
      q = this.redis
        ? new Queue(name, this.options('queue'))
        : new Queue(name, this.options('queue'), createPostgresBackend as never);
      q.on('error', (err) => this.logger.error(`queue ${name}: ${err.message}`));
      if (this.redis) bound(q);
      this.queues.set(name, q);
    }
    return q as unknown as Queue<JobPayload<Q>>;
  }

  /**
   * Registers the one handler of `queue` (call it in onModuleInit, in every process: only one that
   * runs processors starts it). Payloads are parsed with the queue's schema before it runs.
   */
  handle<Q extends JobQueue>(
    queue: Q,
    handler: JobHandler<Q>,
    options: { concurrency?: number; startWhen?: Promise<unknown> } = {},
  ) {
    this.handlers.register(queue, {
      handler,
      concurrency: options.concurrency ?? 4,
      startWhen: options.startWhen,
    });
  }

  /** Runs after every module's onModuleInit, so every feature has registered by now. */
  onApplicationBootstrap() {
    if (!this.config.runProcessors) return;
    const handlers = this.handlers.complete();
    for (const queue of Object.keys(handlers) as JobQueue[]) {
      const registration = handlers[queue] as JobRegistration<JobQueue>;
      if (!registration.startWhen) this.startWorker(queue, registration);
      else {
        registration.startWhen
          .then(() => this.closed || this.startWorker(queue, registration))
          .catch((err: Error) =>
            this.logger.error(`worker ${queue} did not start: ${err.message}`),
          );
      }
    }
  }

  private startWorker(
    queue: JobQueue,
    { handler, concurrency }: JobRegistration<JobQueue>,
  ): Worker {
    const opts = { ...this.options('worker'), concurrency };
    // each job runs under its own id, so what it logs can be told apart and found
    const run = ((job: Job) =>
      runWithRequestId(`job:${queue}:${job.id ?? '?'}`, () =>
        runJob(queue, handler, job.data).catch((err: unknown) => {
          // a payload its schema refuses fails for good: no retry can make it valid
          throw err instanceof JobPayloadError ? new UnrecoverableError(err.message) : err;
        }),
      )) as Processor;
    const worker = this.redis
      ? new Worker(queue, run, opts)
      : new Worker(queue, run, opts, createPostgresBackend as never);
    worker.on('error', (err) => this.logger.error(`worker ${queue}: ${err.message}`));
    worker.on('failed', (job, err) =>
      this.logger.error(`job ${job?.id} on ${queue} failed: ${err.message}`),
    );
    this.workers.push(worker);
    return worker;
  }

  /**
   * Graceful shutdown, before the database and Redis clients close (onApplicationShutdown of the
   * same module runs in parallel with DatabaseService's): no new job is taken, the jobs running
   * now finish. Delayed and waiting jobs stay in the queue for the next process.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    const running = this.workers.length;
    const started = Date.now();
    await Promise.all(this.workers.map((w) => w.close()));
    if (running) this.logger.log(`${running} queue workers closed in ${Date.now() - started} ms`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
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
