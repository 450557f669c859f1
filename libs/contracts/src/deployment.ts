import { z } from 'zod';
import { INCIDENT_CATEGORIES, UNIT_KINDS } from '@ringcad/domain';
import { isoDateTimeSchema, queryDateTimeSchema, schemeIdSchema, uuidSchema } from './common';
import { resolveWindow } from './reports';
import { lonLatViewSchema } from './responses/common';

const DAY_MS = 86_400_000;

/** Hexagon size and kernel bandwidth of a density (hotspots and the demand of a plan). */
const densityShape = {
  cellM: z.coerce.number().int().min(50).max(2000).default(200),
  bandwidthM: z.coerce.number().int().min(100).max(5000).default(500),
};

/** `GET /api/v1/analysis/hotspots`: incidents received in [from, to) (default: the 8 weeks before to/now). */
export const hotspotsQuerySchema = z
  .object({
    from: queryDateTimeSchema.optional(),
    to: queryDateTimeSchema.optional(),
    category: z.enum(INCIDENT_CATEGORIES).optional(),
    /** Local hour of the week (UTC+8), 0 = Monday 00:00–01:00 … 167 = Sunday 23:00–24:00. */
    hourOfWeek: z.coerce.number().int().min(0).max(167).optional(),
    jurisdictionId: uuidSchema.optional(),
    ...densityShape,
  })
  .transform((q, ctx) => {
    const w = resolveWindow(q, 56 * DAY_MS, 400 * DAY_MS, ctx);
    return w ? { ...q, ...w } : z.NEVER;
  });
export type HotspotsQuery = z.infer<typeof hotspotsQuerySchema>;

export const densityMethodSchema = z.object({
  kind: z.literal('kernel-density'),
  kernel: z.literal('quartic').describe('K(d) = 3/(π h²)·(1 − d²/h²)² for d < h'),
  bandwidthM: z.number(),
  cell: z.literal('hexagon').describe('pointy-top hexagons on a local projection (H3-like)'),
  cellM: z.number().describe('hexagon size: centre to corner = edge length, metres'),
  cellAreaKm2: z.number(),
  unit: z.literal('incidents per km²'),
  origin: lonLatViewSchema.describe('the centre of cell 0:0'),
  description: z.string(),
});

export const hotspotCellSchema = z.object({
  id: z.string().describe('axial coordinates q:r'),
  lon: z.number(),
  lat: z.number(),
  density: z.number().describe('incidents per km² at the centre'),
  count: z.number().describe('incidents inside the cell'),
  expected: z.number().describe('density × cell area'),
  polygon: z.array(z.array(z.number())).describe('closed ring of the hexagon, lon/lat'),
});

export const hotspotsViewSchema = z.object({
  from: z.string(),
  to: z.string(),
  category: z.string().nullable(),
  hourOfWeek: z.number().nullable(),
  jurisdictionId: z.string().nullable(),
  incidents: z.number().describe('incidents counted'),
  method: densityMethodSchema,
  cells: z.array(hotspotCellSchema).describe('densest first, at most 3000'),
  truncated: z.boolean(),
});
export type HotspotsView = z.infer<typeof hotspotsViewSchema>;

/** `POST /api/v1/deployment-plans`: units named, or how many of each kind to take from the jurisdiction. */
export const createDeploymentPlanSchema = z
  .object({
    shiftStart: isoDateTimeSchema,
    shiftEnd: isoDateTimeSchema,
    units: z.union([
      z.array(uuidSchema).min(1).max(500),
      z
        .partialRecord(z.enum(UNIT_KINDS), z.number().int().min(1).max(500))
        .refine((r) => Object.keys(r).length > 0, 'name at least one unit kind'),
    ]),
    scheme: schemeIdSchema.default('1-3-8'),
    /** The area planned for (null/absent = the whole city): its standby points, units and demand. */
    jurisdictionId: uuidSchema.nullable().optional(),
    category: z.enum(INCIDENT_CATEGORIES).optional(),
    /** How far back the hotspots of the shift's hours are taken from (days before shiftStart). */
    historyDays: z.number().int().min(1).max(400).default(56),
    ...densityShape,
  })
  .superRefine((b, ctx) => {
    const ms = Date.parse(b.shiftEnd) - Date.parse(b.shiftStart);
    if (!(ms > 0))
      ctx.addIssue({
        code: 'custom',
        path: ['shiftEnd'],
        message: 'shiftEnd must be after shiftStart',
      });
    else if (ms > DAY_MS)
      ctx.addIssue({ code: 'custom', path: ['shiftEnd'], message: 'a shift lasts at most 24 h' });
    if (Array.isArray(b.units) && new Set(b.units).size !== b.units.length)
      ctx.addIssue({ code: 'custom', path: ['units'], message: 'a unit is named twice' });
  });
export type CreateDeploymentPlanRequest = z.infer<typeof createDeploymentPlanSchema>;

/** Confirming sends as many posts as the commander saw: a different count is refused (409). */
export const confirmDeploymentPlanSchema = z.object({ count: z.number().int().min(0).max(500) });

export const deploymentPostViewSchema = z.object({
  unitId: z.string(),
  callsign: z.string(),
  unitLocation: lonLatViewSchema,
  standbyPointId: z.string(),
  standbyPointName: z.string(),
  location: lonLatViewSchema,
  rank: z.number().describe('the order the greedy took it in (0 gains most)'),
  gainPct: z.number().describe('demand newly covered by this post, % of total demand'),
  coveredPct: z.number().describe('demand covered once this post is manned, %'),
  distanceM: z.number().describe('straight line from the unit to its post'),
});

export const deploymentPlanViewSchema = z.object({
  id: z.string(),
  status: z.enum(['proposed', 'confirmed', 'recalled']),
  shiftStart: z.string(),
  shiftEnd: z.string(),
  scheme: z.string(),
  jurisdictionId: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  confirmedAt: z.string().nullable(),
  recalledAt: z.string().nullable(),
  level: z.number().describe('defense level in force (等级化防控)'),
  tierSec: z.number().describe("the ring maximised: the level's tier"),
  target: z.object({
    minRoadKmPct: z.number().describe("the level's road-km coverage target"),
    roadKmPct: z.number().describe('road km within the tier of a post'),
    met: z.boolean(),
  }),
  coveredPct: z.number().describe('demand within the tier of a post, %'),
  demand: z.object({
    source: z.enum(['hotspots', 'road-length']),
    incidents: z.number(),
    hoursOfWeek: z.array(z.number()),
    historyFrom: z.string(),
    historyTo: z.string(),
    density: densityMethodSchema,
  }),
  method: z.string(),
  evaluations: z.number(),
  count: z.number().describe('posts to confirm'),
  posts: z.array(deploymentPostViewSchema),
  unpostedUnitIds: z.array(z.string()),
  tookMs: z.number(),
});
export type DeploymentPlanView = z.infer<typeof deploymentPlanViewSchema>;

/** `post.assigned` to a unit's terminal: its standby post (岗位) for the shift. */
export const terminalPostSchema = z.object({
  planId: z.string(),
  standbyPoint: z.object({ id: z.string(), name: z.string(), location: lonLatViewSchema }),
  shiftStart: z.string(),
  shiftEnd: z.string(),
});
export type TerminalPost = z.infer<typeof terminalPostSchema>;
/** `GET /terminal/posts`: the unit's posts of confirmed plans whose shift has not ended. */
export const terminalPostsSchema = z.object({ posts: z.array(terminalPostSchema) });
/** `post.recalled`: the unit's post of that plan no longer stands. */
export const terminalPostRecalledSchema = z.object({
  planId: z.string(),
  standbyPointId: z.string(),
});
