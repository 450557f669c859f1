import { z } from 'zod';
import { AGENCIES, DEFENSE_LEVELS, UNIT_KINDS } from '@ringcad/domain';
import { safeText, schemeIdSchema, uuidSchema } from './common';
import { categorySchema, prioritySchema } from './incidents';

/** `GET /incidents/:id/sealing?scheme=seal-10-20&tiers=0,1` (tiers: indexes into the scheme). */
export const sealingQuerySchema = z.object({
  scheme: schemeIdSchema.default('seal-10-20'),
  tiers: safeText()
    .regex(/^\d{1,2}(,\d{1,2})*$/, 'comma-separated tier indexes, e.g. 0,1')
    .transform((s) => [...new Set(s.split(',').map(Number))].sort((a, b) => a - b))
    .optional(),
});

export const sealingDispatchSchema = z.object({
  assignments: z
    .array(z.object({ checkpointId: uuidSchema, unitId: uuidSchema }))
    .min(1)
    .max(100)
    .refine(
      (a) => new Set(a.map((x) => x.unitId)).size === a.length,
      'a unit may man one checkpoint',
    )
    .refine(
      (a) => new Set(a.map((x) => x.checkpointId)).size === a.length,
      'one unit per checkpoint',
    ),
});
export type SealingDispatchRequest = z.infer<typeof sealingDispatchSchema>;

/** 预案: what an incident of this category × priority (optionally in this jurisdiction) gets. */
export const responsePlanSchema = z.object({
  name: safeText().trim().min(1).max(100).optional(),
  category: categorySchema,
  priority: prioritySchema,
  jurisdictionId: uuidSchema.nullable().optional(),
  scheme: schemeIdSchema,
  units: z
    .array(
      z.object({
        kind: z.enum(UNIT_KINDS),
        count: z.number().int().min(1).max(20),
        tier: z.number().int().min(0).max(9),
      }),
    )
    .min(1)
    .max(20),
  notify: z
    .array(z.enum(AGENCIES))
    .max(3)
    .refine((a) => new Set(a).size === a.length, 'each agency once')
    .default([]),
});
export type ResponsePlanRequest = z.infer<typeof responsePlanSchema>;

export const planConfirmSchema = z.object({
  /** Assign only these of the proposed units (default: all of them). */
  unitIds: z.array(uuidSchema).min(1).max(50).optional(),
});

export const defenseLevelSchema = z.object({
  jurisdictionId: uuidSchema.nullable(),
  level: z.union(
    DEFENSE_LEVELS.map((l) => z.literal(l)) as [
      z.ZodLiteral<1>,
      z.ZodLiteral<2>,
      z.ZodLiteral<3>,
      z.ZodLiteral<4>,
    ],
  ),
  reason: safeText().trim().min(1).max(500),
});
export type DefenseLevelRequest = z.infer<typeof defenseLevelSchema>;

export const agencyRequestSchema = z.object({
  agency: z.enum(AGENCIES),
  mode: z.enum(['notify', 'transfer']).default('notify'),
  note: safeText().trim().max(1000).optional(),
});
export type AgencyRequest = z.infer<typeof agencyRequestSchema>;

/** Payload of an agency delivery job (queue `agencies`); the job id is `agency-<notificationId>`. */
export const agencyJobSchema = z.object({ notificationId: uuidSchema });
export type AgencyJob = z.infer<typeof agencyJobSchema>;

/** `AGENCY_WEBHOOKS`: agency → URL receiving a JSON POST per notification. */
export const agencyWebhooksSchema = z.record(z.enum(AGENCIES), z.string().url());
