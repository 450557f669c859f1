import { z } from 'zod';
import { assignmentViewSchema, planProposalSchema } from './incidents';
import { lonLatViewSchema } from './common';

export const sealingViewSchema = z.object({
  incidentId: z.string(),
  scheme: z.object({ id: z.string(), tiers: z.array(z.object({ sec: z.number() })) }),
  vehicleSpeedFactor: z.number(),
  tiers: z.array(
    z.object({
      sec: z.number(),
      fromSec: z
        .number()
        .describe("the tier's checkpoint window starts here (vehicle ETA in (fromSec, sec])"),
      boundary: z.unknown().describe('GeoJSON (Multi)Polygon: where the vehicle can be after sec'),
      checkpoints: z.array(
        z.object({
          checkpointId: z.string(),
          name: z.string(),
          location: lonLatViewSchema,
          vehicleEtaSec: z.number(),
          bestUnit: z
            .object({ unitId: z.string(), callsign: z.string(), etaSec: z.number() })
            .nullable(),
          sealable: z.boolean().describe('the best unit gets there before the vehicle'),
        }),
      ),
      crossings: z.array(
        z.object({ lon: z.number(), lat: z.number(), roadName: z.string().optional() }),
      ),
    }),
  ),
  tookMs: z.number(),
});
export type SealingView = z.infer<typeof sealingViewSchema>;

export const sealingDispatchResultSchema = z.object({
  assignments: z.array(assignmentViewSchema.extend({ checkpointId: z.string().nullable() })),
});

export const responsePlanViewSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  category: z.string(),
  priority: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  jurisdictionId: z.string().nullable(),
  scheme: z.string(),
  units: z.array(z.object({ kind: z.string(), count: z.number(), tier: z.number() })),
  notify: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ResponsePlanView = z.infer<typeof responsePlanViewSchema>;

export const planProposalResultSchema = z.object({ plan: planProposalSchema.nullable() });
export const planConfirmResultSchema = z.object({
  plan: planProposalSchema,
  assignments: z.array(assignmentViewSchema),
});

export const defenseLevelViewSchema = z.object({
  jurisdictionId: z.string().nullable().describe('null: the whole city'),
  level: z
    .union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)])
    .describe('1 is the highest alert'),
  reason: z.string().nullable(),
  at: z.string().nullable(),
  by: z.string().nullable(),
  policy: z.object({
    tierSec: z.number(),
    minRoadKmPct: z.number(),
    minAvailableUnits: z.number(),
    maxMoves: z.number(),
  }),
});
export type DefenseLevelView = z.infer<typeof defenseLevelViewSchema>;

export const agencyNotificationViewSchema = z.object({
  id: z.string(),
  incidentId: z.string(),
  agency: z.string(),
  mode: z.enum(['notify', 'transfer']),
  note: z.string().nullable(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});
export type AgencyNotificationView = z.infer<typeof agencyNotificationViewSchema>;
