import { z } from 'zod';
import { UNIT_KINDS } from '@ringcad/domain';
import { EXCLUSION_REASONS } from '../constants';
import { labelSchema, lonLatViewSchema } from './common';

export const jurisdictionRefSchema = z.object({
  districtId: z.string().nullable(),
  stationId: z.string().nullable(),
  gridId: z.string().nullable(),
});
export type JurisdictionRef = z.infer<typeof jurisdictionRefSchema>;

export const incidentViewSchema = z.object({
  id: z.string(),
  number: z.string().describe('readable number, 110-YYYYMMDD-NNNNNN'),
  status: z
    .string()
    .describe('new | dispatched | on_scene | resolved | closed | cancelled | merged'),
  category: z.string(),
  priority: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  schemeId: z.string(),
  location: lonLatViewSchema,
  address: z.string().nullable(),
  callerNumber: z
    .string()
    .nullable()
    .describe('masked (138****5678) for roles that do not need it'),
  callerName: z.string().nullable(),
  description: z.string().nullable(),
  jurisdiction: jurisdictionRefSchema.nullable(),
  receivedAt: z.string(),
  createdAt: z.string(),
  dispatchedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  version: z.number().describe('per-incident version, also carried by every socket event'),
  exercise: z.boolean().describe('演练: an exercise incident, never in reports, KPIs or the index'),
});
export type IncidentView = z.infer<typeof incidentViewSchema>;

export const assignmentViewSchema = z.object({
  id: z.string(),
  incidentId: z.string(),
  unitId: z.string(),
  callsign: z.string(),
  unitKind: z.string(),
  role: z.string().describe('primary | reinforcement | checkpoint'),
  status: z
    .string()
    .describe('assigned | acknowledged | en_route | on_scene | cleared | declined | cancelled'),
  etaSec: z.number().nullable(),
  etaMethod: z.string().nullable(),
  assignedAt: z.string(),
  ackedAt: z.string().nullable(),
  departedAt: z.string().nullable(),
  arrivedAt: z.string().nullable(),
  clearedAt: z.string().nullable(),
  declinedAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
});
export type AssignmentView = z.infer<typeof assignmentViewSchema>;

export const ringTierViewSchema = z.object({
  sec: z.number(),
  label: labelSchema,
  unitKinds: z
    .array(z.enum(UNIT_KINDS))
    .optional()
    .describe('only arrivals of these kinds count (any when absent)'),
  count: z.number().optional().describe('units needed on scene within sec (default 1)'),
  meaning: labelSchema.optional(),
});
export const ringSchemeViewSchema = z.object({
  id: z.string(),
  label: labelSchema,
  tiers: z.array(ringTierViewSchema),
  builtin: z
    .boolean()
    .optional()
    .describe('one of the built-in schemes (1-3-8, 5-10-30, …) rather than one an admin added'),
});

export const recommendationCandidateSchema = z.object({
  unitId: z.string(),
  callsign: z.string(),
  kind: z.string(),
  status: z.string(),
  etaSec: z.number(),
  distanceM: z.number(),
  tier: z.number().nullable().describe('index of the first tier whose time the ETA meets'),
  method: z.enum(['road', 'straight']),
});
export type RecommendationCandidate = z.infer<typeof recommendationCandidateSchema>;

export const excludedUnitSchema = z.object({
  unitId: z.string(),
  callsign: z.string(),
  reason: z.enum(EXCLUSION_REASONS),
  status: z.string(),
});
export type ExcludedUnit = z.infer<typeof excludedUnitSchema>;

export const recommendationSchema = z.object({
  incidentId: z.string(),
  scheme: ringSchemeViewSchema,
  candidates: z.array(recommendationCandidateSchema).describe('available units by etaSec'),
  excluded: z.array(excludedUnitSchema),
  unranked: z
    .object({
      beyondSearch: z.number().int().describe('available units the bounded search proved slower'),
      notRanked: z.number().int().describe('available units below the list (K faster found)'),
    })
    .describe('available units left off the list, counted (a list of thousands helps no one)'),
  tookMs: z.number(),
});
export type Recommendation = z.infer<typeof recommendationSchema>;

export const possibleDuplicateSchema = z.object({
  id: z.string(),
  number: z.string(),
  distanceM: z.number(),
  minutesAgo: z.number(),
});
export type PossibleDuplicate = z.infer<typeof possibleDuplicateSchema>;

export const planProposalSchema = z.object({
  planId: z.string(),
  scheme: z.string(),
  proposed: z.array(
    z.object({
      unitId: z.string(),
      callsign: z.string(),
      kind: z.string(),
      tier: z.number(),
      etaSec: z.number(),
    }),
  ),
  missing: z.array(z.object({ kind: z.string(), count: z.number(), tier: z.number() })),
  working: z
    .array(z.object({ unitId: z.string(), kind: z.string() }))
    .describe(
      'units already working the incident (not at checkpoints) that the plan counts: they fill it first',
    ),
});
export type PlanProposal = z.infer<typeof planProposalSchema>;

/** A part of a committed create that could not be computed after the commit (ask for it again). */
export const partUnavailableSchema = z.object({
  code: z.enum(['DEPENDENCY_DOWN', 'INTERNAL']),
  dependency: z.enum(['database', 'redis']).optional(),
  message: z.string(),
});

export const createdIncidentSchema = z.object({
  incident: incidentViewSchema,
  recommendation: recommendationSchema
    .nullable()
    .describe('null when it could not be computed after the commit'),
  recommendationUnavailable: partUnavailableSchema.optional(),
  plan: planProposalSchema.nullable(),
  planUnavailable: partUnavailableSchema.optional(),
  possibleDuplicates: z
    .array(possibleDuplicateSchema)
    .describe('within DUPLICATE_RADIUS_M and DUPLICATE_WINDOW_MIN'),
});
export type CreatedIncident = z.infer<typeof createdIncidentSchema>;

export const assignmentsResultSchema = z.object({ assignments: z.array(assignmentViewSchema) });
export const assignmentResultSchema = z.object({ assignment: assignmentViewSchema });

export const incidentMetricsSchema = z.object({
  answerSec: z.number().describe('call received → incident created'),
  dispatchSec: z.number().nullable().describe('incident created → first unit assigned'),
  ackSec: z.number().nullable().describe('first dispatch → first acknowledgement'),
  departSec: z.number().nullable().describe('first dispatch → first departure'),
  firstArriveSec: z.number().nullable().describe('first dispatch → first arrival'),
  clearSec: z.number().nullable().describe('first dispatch → last clear'),
  tiersMet: z.array(z.boolean()),
});

export const incidentEventViewSchema = z.object({
  seq: z.number(),
  type: z.string(),
  at: z.string(),
  version: z.number(),
  actor: z.object({
    kind: z.enum(['user', 'unit', 'system']),
    id: z.string().nullable(),
    name: z.string().nullable(),
  }),
  data: z.record(z.string(), z.unknown()),
});

export const timelineSchema = z.object({
  incident: incidentViewSchema,
  events: z.array(incidentEventViewSchema).describe('append-only log, ordered by seq'),
  assignments: z.array(assignmentViewSchema),
  tracks: z.array(
    z.object({
      unitId: z.string(),
      assignmentId: z.string(),
      points: z.array(z.array(z.number())).describe('[lon, lat, epochMs]'),
    }),
  ),
  metrics: incidentMetricsSchema.nullable(),
  merged: z
    .array(
      z.object({
        incidentId: z.string(),
        number: z.string(),
        events: z.array(incidentEventViewSchema),
      }),
    )
    .describe('duplicates merged into this incident (并案), each with its own log'),
});
