import { z } from 'zod';
import { queryDateTimeSchema, schemeIdSchema, uuidSchema } from './common';

import { REPORT_GROUP_BY, type ReportGroupBy } from './constants';

export { REPORT_GROUP_BY, type ReportGroupBy };

const DAY_MS = 86_400_000;
const MAX_REPORT_DAYS = 400;

const windowShape = { from: queryDateTimeSchema.optional(), to: queryDateTimeSchema.optional() };

/** A [from, to) window: both optional (default: the last `defaultMs` before to/now), from before to, bounded. */
export function resolveWindow(
  q: { from?: string; to?: string },
  defaultMs: number,
  maxMs: number,
  ctx: z.RefinementCtx,
) {
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - defaultMs);
  if (from.getTime() >= to.getTime()) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: 'from must be before to' });
    return null;
  }
  if (to.getTime() - from.getTime() > maxMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `the window may span at most ${Math.round(maxMs / 3600_000)} h`,
    });
    return null;
  }
  return { from, to };
}

const seconds = (def: number) => z.coerce.number().int().min(1).max(86_400).default(def);

export const responseTimesQuerySchema = z
  .object({
    ...windowShape,
    groupBy: z.enum(REPORT_GROUP_BY).default('district'),
    scheme: schemeIdSchema.default('1-3-8'),
    /** Bulletin buckets (通报口径): 签收 within, 出警 (depart) within, 反馈 (clear) within. */
    ackWithinSec: seconds(30),
    departWithinSec: seconds(300),
    clearWithinSec: seconds(1800),
    format: z.enum(['json', 'csv']).optional(),
  })
  .transform((q, ctx) => {
    const w = resolveWindow(q, 7 * DAY_MS, MAX_REPORT_DAYS * DAY_MS, ctx);
    return w ? { ...q, ...w } : z.NEVER;
  });
export type ResponseTimesQuery = z.infer<typeof responseTimesQuerySchema>;

export const laggardsQuerySchema = z
  .object({
    ...windowShape,
    limit: z.coerce.number().int().min(1).max(100).default(10),
    /** Units or stations with fewer assignments in the window are not ranked (a P90 of 2 is noise). */
    minAssignments: z.coerce.number().int().min(1).max(10_000).default(5),
  })
  .transform((q, ctx) => {
    const w = resolveWindow(q, 7 * DAY_MS, MAX_REPORT_DAYS * DAY_MS, ctx);
    return w ? { ...q, ...w } : z.NEVER;
  });
export type LaggardsQuery = z.infer<typeof laggardsQuerySchema>;

export const areaReplayQuerySchema = z
  .object({
    ...windowShape,
    districtId: uuidSchema,
    stepSec: z.coerce.number().int().min(1).max(600).default(15),
    /**
     * `points` (the default): each unit's track as `[lon, lat, epochMs]` points; `columnar`: as
     * delta-coded integer arrays (replay-columnar.ts), the same points in a fraction of the bytes;
     * `binary`: `application/octet-stream`, the columnar numbers as int32 sections after a JSON
     * head (replay-columnar.ts), decoded into typed arrays with no JSON to parse for the points.
     */
    format: z.enum(['points', 'columnar', 'binary']).default('points'),
  })
  .transform((q, ctx) => {
    const w = resolveWindow(q, 3600_000, DAY_MS, ctx);
    return w ? { ...q, ...w } : z.NEVER;
  });
export type AreaReplayQuery = z.infer<typeof areaReplayQuerySchema>;
