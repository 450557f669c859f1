import { z } from 'zod';

/** Payload of a timer job (BullMQ queue `timers`). The job id is the timer id. */
export const timerJobSchema = z.object({ timerId: z.string().min(1) });
export type TimerJob = z.infer<typeof timerJobSchema>;

export const TIMERS_QUEUE = 'timers';
