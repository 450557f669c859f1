import { z } from 'zod';
import {
  isoDateTimeSchema,
  lonSchema,
  latSchema,
  polygonSchema,
  queryDateTimeSchema,
  safeText,
  uuidSchema,
} from './common';
import { resolveWindow } from './reports';

const HOUR_MS = 3600_000;
/** The longest visibility or compliance window (a district's two days at most per request). */
export const PATROL_MAX_WINDOW_H = 48;
/** At most this many slots per visibility answer. */
export const PATROL_MAX_SLOTS = 192;

const windowShape = { from: queryDateTimeSchema.optional(), to: queryDateTimeSchema.optional() };

/** `GET /patrol/visibility?jurisdictionId&from&to&slotMin=60&windowMin=` (见警率). */
export const visibilityQuerySchema = z
  .object({
    ...windowShape,
    jurisdictionId: uuidSchema,
    slotMin: z.coerce.number().int().min(5).max(1440).default(60),
    /** A street counts for a slot when passed within this many minutes before its end (default: the slot). */
    windowMin: z.coerce.number().int().min(1).max(1440).optional(),
  })
  .transform((q, ctx) => {
    const w = resolveWindow(q, 24 * HOUR_MS, PATROL_MAX_WINDOW_H * HOUR_MS, ctx);
    if (!w) return z.NEVER;
    if ((w.to.getTime() - w.from.getTime()) / (q.slotMin * 60_000) > PATROL_MAX_SLOTS) {
      ctx.addIssue({
        code: 'custom',
        path: ['slotMin'],
        message: `at most ${PATROL_MAX_SLOTS} slots: choose longer slots or a shorter window`,
      });
      return z.NEVER;
    }
    return { ...q, ...w, windowMin: q.windowMin ?? q.slotMin };
  });
export type VisibilityQuery = z.infer<typeof visibilityQuerySchema>;

const shareShape = {
  streetKm: z.number(),
  streetKmSeen: z.number(),
  streetKmPct: z.number(),
  points: z.number().int(),
  pointsVisited: z.number().int(),
  pointsVisitedPct: z.number(),
};

export const visibilitySchema = z.object({
  jurisdictionId: uuidSchema,
  slotMin: z.number().int(),
  windowMin: z.number().int(),
  slots: z.array(
    z.object({
      from: isoDateTimeSchema,
      to: isoDateTimeSchema,
      streetKmPct: z.number(),
      pointsVisitedPct: z.number(),
      byGrid: z.array(z.object({ jurisdictionId: uuidSchema, name: z.string(), ...shareShape })),
    }),
  ),
  tracks: z.object({ units: z.number().int(), points: z.number().int() }),
  method: z.string(),
  tookMs: z.number(),
});
export type VisibilityView = z.infer<typeof visibilitySchema>;

/** `GET /patrol/visibility/live?jurisdictionId&windowMin=60`: streets by minutes since a unit passed. */
export const liveVisibilityQuerySchema = z.object({
  jurisdictionId: uuidSchema,
  windowMin: z.coerce.number().int().min(5).max(240).default(60),
});
export type LiveVisibilityQuery = z.infer<typeof liveVisibilityQuerySchema>;

export const liveVisibilitySchema = z.object({
  jurisdictionId: uuidSchema,
  at: isoDateTimeSchema,
  windowMin: z.number().int(),
  /** Streets of the jurisdiction passed within the window; a street not listed was not passed. */
  segments: z.array(
    z.object({
      coordinates: z.array(z.tuple([z.number(), z.number()])),
      minutesSince: z.number(),
    }),
  ),
  streetKm: z.number(),
  streetKmSeen: z.number(),
  method: z.string(),
});
export type LiveVisibilityView = z.infer<typeof liveVisibilitySchema>;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM (24 h)');
const nameText = safeText().trim().min(1).max(100);

/** 巡逻方案 (点线面) for one grid (or district) and shift. */
export const patrolPlanSchema = z.object({
  name: nameText,
  jurisdictionId: uuidSchema,
  shift: z.object({ start: hhmm, end: hhmm }),
  /** The units that patrol it (their terminals show it). */
  unitIds: z.array(uuidSchema).max(50).default([]),
  /** 点: points to visit, each `visitsPerShift` times within `pointRadiusM`. */
  points: z
    .array(
      z.object({
        name: nameText.optional(),
        lon: lonSchema,
        lat: latSchema,
        visitsPerShift: z.number().int().min(1).max(48),
      }),
    )
    .max(100)
    .default([]),
  /** 线: streets to drive, as polylines. */
  lines: z
    .array(
      z.object({
        name: nameText.optional(),
        coordinates: z
          .array(z.tuple([lonSchema, latSchema]))
          .min(2)
          .max(500),
      }),
    )
    .max(50)
    .default([]),
  /** 面: areas whose streets are to be swept. */
  areas: z
    .array(z.object({ name: nameText.optional(), geometry: polygonSchema }))
    .max(20)
    .default([]),
  pointRadiusM: z.number().min(10).max(500).default(50),
});
export type PatrolPlanRequest = z.infer<typeof patrolPlanSchema>;

export const patrolPlanViewSchema = patrolPlanSchema.extend({
  id: uuidSchema,
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
});
export type PatrolPlanView = z.infer<typeof patrolPlanViewSchema>;
export const patrolPlanListSchema = z.object({ plans: z.array(patrolPlanViewSchema) });
export const terminalPatrolPlanSchema = z.object({ plan: patrolPlanViewSchema.nullable() });

export const complianceQuerySchema = z.object(windowShape).transform((q, ctx) => {
  const w = resolveWindow(q, 8 * HOUR_MS, PATROL_MAX_WINDOW_H * HOUR_MS, ctx);
  return w ?? z.NEVER;
});

const complianceShape = {
  points: z.array(
    z.object({
      index: z.number().int(),
      name: z.string().nullable(),
      visits: z.number().int(),
      required: z.number().int(),
      met: z.boolean(),
    }),
  ),
  pointsMetPct: z.number(),
  lineKm: z.number(),
  lineKmDriven: z.number(),
  lineDrivenPct: z.number(),
  areaKm: z.number(),
  areaKmSwept: z.number(),
  areaSweptPct: z.number(),
};

export const patrolComplianceSchema = z.object({
  planId: uuidSchema,
  from: isoDateTimeSchema,
  to: isoDateTimeSchema,
  plan: z.object(complianceShape),
  units: z.array(z.object({ unitId: uuidSchema, callsign: z.string(), ...complianceShape })),
  grid: z.object({ jurisdictionId: uuidSchema, name: z.string(), ...shareShape }),
  method: z.string(),
});
export type PatrolComplianceView = z.infer<typeof patrolComplianceSchema>;
