import { z } from 'zod';
import { AGENCIES_QUEUE, INDEX_SAMPLES_QUEUE, POSITIONS_QUEUE, TIMERS_QUEUE } from './constants';
import { agencyJobSchema } from './command';

// Payloads of the jobs on the BullMQ queues (names in ./constants): what the worker parses before
// it acts, so a job queued by another version fails loudly instead of half-working.

/** Payload of a timer job (queue `timers`). The job id is the timer id. */
export const timerJobSchema = z.object({ timerId: z.string().min(1) });
export type TimerJob = z.infer<typeof timerJobSchema>;

/** One accepted position report as queued and stored (short keys: batches hold thousands). */
export const trackRowSchema = z.object({
  /** unit id */
  u: z.string(),
  /** when the fix was taken (ISO) */
  at: z.string(),
  /** lon, lat (WGS84) */
  x: z.number(),
  y: z.number(),
  /** speed km/h and heading degrees, when the terminal gave them */
  s: z.number().nullable(),
  h: z.number().nullable(),
  /** flags (bit 1: an impossible jump) */
  f: z.number().int(),
});
export type TrackRow = z.infer<typeof trackRowSchema>;

/** Payload of a positions job (queue `positions`): one accepted batch, written as track rows. */
export const positionsJobSchema = z.object({
  batchId: z.string(),
  receivedAt: z.string(),
  rows: z.array(trackRowSchema),
});
export type PositionsJob = z.infer<typeof positionsJobSchema>;

/** Payload of a 平安指数 sampler run (queue `index-samples`): nothing; the run samples "now". */
export const indexSamplesJobSchema = z.object({}).passthrough();
export type IndexSamplesJob = z.infer<typeof indexSamplesJobSchema>;

/**
 * Every BullMQ queue and the schema of its jobs' payload: the one list of queues. Whatever is
 * enqueued goes to one of these, and a process that runs processors refuses to start unless each
 * has exactly one handler.
 */
export const jobSchemas = {
  [TIMERS_QUEUE]: timerJobSchema,
  [POSITIONS_QUEUE]: positionsJobSchema,
  [AGENCIES_QUEUE]: agencyJobSchema,
  [INDEX_SAMPLES_QUEUE]: indexSamplesJobSchema,
} as const;
export type JobQueue = keyof typeof jobSchemas;
export type JobPayload<Q extends JobQueue> = z.infer<(typeof jobSchemas)[Q]>;
