import { z } from 'zod';
import { safeText, uuidSchema } from './common';

/**
 * `POST`/`PUT /api/v1/perimeters`: a standing perimeter (环城封控圈), a named ring of fixed
 * checkpoints with its tiers (e.g. 10 and 20 minutes) and, per tier, the share of checkpoints
 * that must be coverable (a unit able to man it within the tier) before an alert is raised.
 */
export const perimeterRequestSchema = z
  .object({
    name: safeText().min(1).max(100),
    jurisdictionId: uuidSchema
      .nullable()
      .default(null)
      .describe('the jurisdiction whose seats see the perimeter; null: the whole city'),
    checkpointIds: z
      .array(uuidSchema)
      .min(1, 'a perimeter needs at least one checkpoint')
      .max(500)
      .refine((a) => new Set(a).size === a.length, 'each checkpoint once'),
    tiersSec: z
      .array(z.number().int().min(60).max(7200))
      .min(1)
      .max(4)
      .refine((a) => a.every((s, i) => i === 0 || s > a[i - 1]), 'tiers must be ascending')
      .describe('tiers in seconds, ascending, e.g. [600, 1200]'),
    targetPct: z
      .array(z.number().min(0).max(100))
      .min(1)
      .max(4)
      .describe('per tier: the share of checkpoints that must be coverable (alert below it)'),
  })
  .strict()
  .refine((p) => p.targetPct.length === p.tiersSec.length, {
    path: ['targetPct'],
    message: 'one target per tier',
  });
export type PerimeterRequest = z.infer<typeof perimeterRequestSchema>;

export const perimeterViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  jurisdictionId: z.string().nullable(),
  checkpoints: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      location: z.object({ lon: z.number(), lat: z.number() }),
    }),
  ),
  tiers: z.array(z.object({ sec: z.number(), targetPct: z.number() })),
  updatedAt: z.string(),
});
export type PerimeterView = z.infer<typeof perimeterViewSchema>;

/** `GET /api/v1/perimeters/:id/readiness` and the `perimeter.readiness` push. */
export const perimeterReadinessSchema = z.object({
  perimeterId: z.string(),
  name: z.string(),
  jurisdictionId: z.string().nullable(),
  computedAt: z.string(),
  units: z.number().describe('available driving units with a fresh position considered'),
  /** The units an activation now would send (checkpoints with a best unit within the last tier). */
  activationCount: z.number(),
  tiers: z.array(
    z.object({
      sec: z.number(),
      targetPct: z.number(),
      coverablePct: z.number(),
      belowTarget: z.boolean(),
      checkpoints: z.array(
        z.object({
          checkpointId: z.string(),
          name: z.string(),
          location: z.object({ lon: z.number(), lat: z.number() }),
          bestUnit: z.object({ unitId: z.string(), callsign: z.string() }).nullable(),
          etaSec: z.number().nullable(),
          coverable: z.boolean(),
        }),
      ),
    }),
  ),
  method: z.string(),
});
export type PerimeterReadinessView = z.infer<typeof perimeterReadinessSchema>;

/** `POST /api/v1/perimeters/:id/activate`: the count the operator confirmed, and the incident it answers. */
export const perimeterActivateSchema = z
  .object({
    incidentId: uuidSchema.describe('the incident the perimeter is sealed for'),
    expectedCount: z
      .number()
      .int()
      .min(1)
      .describe('units the operator confirmed (readiness activationCount); 409 if it changed'),
  })
  .strict();
export type PerimeterActivateRequest = z.infer<typeof perimeterActivateSchema>;

export const perimeterActivationSchema = z.object({
  id: z.string(),
  perimeterId: z.string(),
  incidentId: z.string(),
  activatedAt: z.string(),
  recalledAt: z.string().nullable(),
  assignments: z.array(
    z.object({ assignmentId: z.string(), unitId: z.string(), checkpointId: z.string().nullable() }),
  ),
});
export type PerimeterActivationView = z.infer<typeof perimeterActivationSchema>;
