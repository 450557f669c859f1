import { z } from 'zod';
import { roadNetworkSummarySchema } from './places';

export const healthSchema = z
  .object({
    status: z.string().describe('"ok" once the database and job queue are usable'),
    database: z.string(),
    queue: z.string(),
  })
  .catchall(z.unknown());

/** `GET /health/live`: the process runs (no dependency is asked). */
export const livenessSchema = z.object({
  status: z.literal('live'),
  uptimeSec: z.number(),
});

/** `GET /health/ready`: the database (and Redis in services mode) answered, and not shutting down. */
export const readinessSchema = z.object({
  status: z.literal('ready'),
  checks: z.object({
    database: z.enum(['up', 'down']),
    redis: z.enum(['up', 'down', 'not used']),
  }),
});

const jobCounts = z.record(z.string(), z.number());
export const systemStatusSchema = z.object({
  mode: z.enum(['embedded', 'services']),
  database: z.enum(['pglite', 'postgres']),
  queueBackend: z.enum(['postgres', 'redis']),
  processors: z.boolean(),
  queues: z.record(z.string(), jobCounts),
  trackRows: z.number(),
  timers: z.record(z.string(), z.number()),
  roadNetwork: roadNetworkSummarySchema.nullable(),
});
