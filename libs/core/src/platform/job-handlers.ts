import { jobSchemas, type JobPayload, type JobQueue } from '@ringcad/contracts';

/** Handles one job of queue `Q`, given its payload already parsed with the queue's schema. */
export type JobHandler<Q extends JobQueue> = (payload: JobPayload<Q>) => Promise<void>;

export interface JobRegistration<Q extends JobQueue> {
  handler: JobHandler<Q>;
  /** Jobs of this queue run at once in one process. */
  concurrency: number;
  /** The worker starts once this settles (timers wait for a realtime publisher to push to). */
  startWhen?: Promise<unknown>;
}

/** The one map of job handlers: every queue of the contract (`jobSchemas`) to its handler. */
export type JobHandlers = { [Q in JobQueue]: JobRegistration<Q> };

/** Every queue the contract names; jobs are only ever added to these (QueueService.queue). */
export const JOB_QUEUES = Object.keys(jobSchemas) as JobQueue[];

/**
 * Features register their handlers here while the app is built; before a process that runs
 * processors starts its workers, `complete()` insists on exactly one handler per queue, so a job
 * can never sit in a queue nobody drains.
 */
export class JobHandlerRegistry {
  private readonly registered = new Map<JobQueue, JobRegistration<JobQueue>>();

  register<Q extends JobQueue>(queue: Q, registration: JobRegistration<Q>): void {
    if (!JOB_QUEUES.includes(queue))
      throw new Error(`queue "${queue}" is not in the contract's jobSchemas`);
    if (this.registered.has(queue)) {
      throw new Error(`queue "${queue}" has two handlers; each queue has exactly one`);
    }
    this.registered.set(queue, registration);
  }

  /** The complete map, or an error naming every queue without a handler. */
  complete(): JobHandlers {
    const missing = JOB_QUEUES.filter((q) => !this.registered.has(q));
    if (missing.length) {
      throw new Error(
        `no handler for queue ${missing.map((q) => `"${q}"`).join(', ')}: a process that runs processors ` +
          'must handle every queue jobs are added to (import the feature module that registers it)',
      );
    }
    return Object.fromEntries(this.registered) as unknown as JobHandlers;
  }
}

/**
 * Runs a handler on a job's raw data, parsed first with its queue's schema: a job queued by
 * another version fails loudly (`JobPayloadError`) instead of half-working.
 */
export function runJob<Q extends JobQueue>(
  queue: Q,
  handler: JobHandler<Q>,
  data: unknown,
): Promise<void> {
  const parsed = jobSchemas[queue].safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`)
      .join('; ');
    return Promise.reject(
      new JobPayloadError(`job on queue "${queue}" has a payload its schema refuses: ${issues}`),
    );
  }
  return handler(parsed.data as JobPayload<Q>);
}

/** A payload the queue's schema refuses: retrying cannot help. */
export class JobPayloadError extends Error {
  override readonly name = 'JobPayloadError';
}
