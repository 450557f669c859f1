import { z } from 'zod';
import { REPORT_GROUP_BY } from '../reports';
import { isochroneCollectionSchema } from './rings';
import {
  assignmentViewSchema,
  incidentEventViewSchema,
  incidentMetricsSchema,
  incidentViewSchema,
  jurisdictionRefSchema,
} from './incidents';

const p = z.number().nullable();

export const responseTimeGroupSchema = z.object({
  key: z.string(),
  label: z.string().optional(),
  incidents: z.number(),
  dispatched: z.number(),
  dispatchP50Sec: p,
  dispatchP90Sec: p,
  ackP50Sec: p,
  ackP90Sec: p,
  arriveP50Sec: p,
  arriveP90Sec: p,
  tierMetPct: z
    .array(z.number())
    .describe('per tier of the scheme: % of dispatched incidents whose tier was met'),
  arrived: z.number().describe('dispatched incidents with a unit on scene'),
  ringMet: z
    .number()
    .describe(
      'arrived incidents whose response met at least one tier of the scheme (within its time, with its unit kinds and count)',
    ),
  ringMetPct: p.describe('ringMet as % of arrived (null when none arrived)'),
  ackWithinPct: p.describe('bulletin bucket: % acknowledged within ackWithinSec'),
  departWithinPct: p,
  clearWithinPct: p,
});
export type ResponseTimeGroup = z.infer<typeof responseTimeGroupSchema>;

const percentilesSchema = z
  .object({
    method: z.enum(['exact', 'histogram']),
    maxErrorSec: z.number(),
    maxErrorPct: z.number(),
  })
  .optional();

export const responseTimesReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  groupBy: z.enum(REPORT_GROUP_BY),
  scheme: z.object({
    id: z.string(),
    tiers: z.array(
      z.object({
        sec: z.number(),
        unitKinds: z.array(z.string()).optional(),
        count: z.number().optional(),
      }),
    ),
  }),
  buckets: z.object({
    ackWithinSec: z.number(),
    departWithinSec: z.number(),
    clearWithinSec: z.number(),
  }),
  groups: z.array(responseTimeGroupSchema),
  percentiles: percentilesSchema.describe(
    'how the P50/P90 were computed: exact (percentile_cont), or from the pre-aggregates, each within the larger of maxErrorSec and maxErrorPct % of the exact value; counts are always exact',
  ),
  tookMs: z.number(),
});
export type ResponseTimesReport = z.infer<typeof responseTimesReportSchema>;

export const laggardRowSchema = z.object({
  key: z.string(),
  label: z.string().nullable(),
  assignments: z.number(),
  ackP50Sec: p,
  ackP90Sec: p,
  arriveP50Sec: p,
  arriveP90Sec: p,
});
export type LaggardRow = z.infer<typeof laggardRowSchema>;

const ranking = z.object({ byAck: z.array(laggardRowSchema), byArrive: z.array(laggardRowSchema) });
export const laggardsReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  minAssignments: z.number(),
  units: ranking,
  stations: ranking,
  percentiles: percentilesSchema.describe(
    'how the P50/P90 that rank units and stations were computed: exact, or from the per-unit pre-aggregates (as in response-times)',
  ),
});
export type LaggardsReport = z.infer<typeof laggardsReportSchema>;

export const incidentReplaySchema = z.object({
  incident: incidentViewSchema,
  events: z.array(incidentEventViewSchema),
  assignments: z.array(assignmentViewSchema),
  tracks: z.array(
    z.object({
      unitId: z.string(),
      assignmentId: z.string(),
      points: z.array(z.array(z.number())),
    }),
  ),
  metrics: incidentMetricsSchema.nullable(),
  stages: z.array(
    z.object({
      stage: z.enum(['received', 'created', 'dispatched', 'ack', 'depart', 'arrive', 'clear']),
      at: z.string().nullable(),
      sinceReceivedSec: z.number().nullable(),
      stepSec: z.number().nullable().describe('seconds since the previous stage that happened'),
    }),
  ),
  rings: z
    .object({
      at: z.string(),
      schemeId: z.string(),
      minutes: z.array(z.number()),
      method: z.literal('road'),
      areas: isochroneCollectionSchema,
    })
    .nullable()
    .describe('the rings as they were at dispatch'),
  eta: z.array(
    z.object({
      assignmentId: z.string(),
      unitId: z.string(),
      callsign: z.string(),
      unitKind: z.string(),
      role: z.string(),
      status: z.string(),
      predictedSec: z.number().nullable(),
      method: z.string().nullable(),
      actualSec: z.number().nullable(),
      driveSec: z.number().nullable(),
      errorSec: z.number().nullable(),
    }),
  ),
});

const at = z.string().nullable();
const areaReplayCommon = {
  district: z.object({ id: z.string(), name: z.string(), bbox: z.array(z.number()) }),
  from: z.string(),
  to: z.string(),
  stepSec: z.number(),
  incidents: z.array(
    z.object({
      id: z.string(),
      number: z.string(),
      category: z.string(),
      priority: z.number(),
      status: z.string(),
      location: z.object({ lon: z.number(), lat: z.number() }),
      receivedAt: at,
      createdAt: at,
      dispatchedAt: at,
      firstArrivedAt: at,
      resolvedAt: at,
      closedAt: at,
      cancelledAt: at,
      assignments: z.array(
        z.object({
          unitId: z.string(),
          assignedAt: at,
          ackedAt: at,
          departedAt: at,
          arrivedAt: at,
          clearedAt: at,
        }),
      ),
    }),
  ),
  points: z.number(),
  tookMs: z.number(),
};
const replayUnit = {
  unitId: z.string(),
  callsign: z.string(),
  kind: z.string(),
  statuses: z.array(z.tuple([z.number(), z.string()])).describe('[epochMs, status]'),
};
export const areaReplaySchema = z.object({
  ...areaReplayCommon,
  units: z.array(
    z.object({
      ...replayUnit,
      points: z
        .array(z.tuple([z.number(), z.number(), z.number()]))
        .describe('[lon, lat, epochMs], downsampled to stepSec'),
    }),
  ),
});
const deltas = (what: string) =>
  z.array(z.number().int()).describe(`${what}: the first absolute, then differences`);
/** `format=columnar`: the same points, each unit's track as delta-coded integers (replay-columnar.ts). */
export const areaReplayColumnarSchema = z.object({
  ...areaReplayCommon,
  format: z.literal('columnar'),
  units: z.array(
    z.object({
      ...replayUnit,
      track: z.object({
        t: deltas('epoch ms'),
        lon: deltas('longitude in 1e-6 degrees'),
        lat: deltas('latitude in 1e-6 degrees'),
      }),
    }),
  ),
});

const component = z.record(z.string(), z.unknown());
/** An EIDO-inspired export (NENA's component names; not validated against the NENA schema). */
export const eidoSchema = z.object({
  $comment: z.string(),
  eidoMessageIdentifier: z.string(),
  lastUpdateTimeStamp: z.string(),
  exportTimeStamp: z.string(),
  sendingSystem: z.string(),
  incidentComponent: component,
  callComponent: z.array(component),
  locationComponent: z.array(
    z.object({
      componentIdentifier: z.string(),
      locationByValue: z.object({
        type: z.string(),
        coordinates: z.array(z.number()),
        crs: z.string(),
      }),
      civicAddressText: z.string().nullable(),
      jurisdiction: jurisdictionRefSchema.nullable(),
    }),
  ),
  emergencyResourceComponent: z.array(component),
  notesComponent: z.array(component),
  agencyComponent: z.array(component),
});
