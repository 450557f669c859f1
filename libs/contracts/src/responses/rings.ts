import { z } from 'zod';
import { lonLatViewSchema } from './common';

export const isochroneCollectionSchema = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      properties: z.object({
        minutes: z.number(),
        sec: z.number(),
        direction: z.enum(['to', 'from']),
        method: z
          .enum(['road', 'straight'])
          .describe('straight: the origin could not be snapped to a road'),
      }),
      geometry: z.discriminatedUnion('type', [
        z.object({
          type: z.literal('Polygon'),
          coordinates: z.array(z.array(z.array(z.number()))),
        }),
        z.object({
          type: z.literal('MultiPolygon'),
          coordinates: z.array(z.array(z.array(z.array(z.number())))),
        }),
      ]),
    }),
  ),
});

export const unitRouteSchema = z.object({
  unitId: z.string(),
  method: z.enum(['road', 'straight']),
  etaSec: z.number(),
  distanceM: z.number(),
  geometry: z.object({
    type: z.literal('LineString'),
    coordinates: z.array(z.tuple([z.number(), z.number()])),
  }),
});
export type UnitRoute = z.infer<typeof unitRouteSchema>;

const tierShare = { sec: z.number(), roadKmPct: z.number(), areaPct: z.number() };
export const coverageViewSchema = z.object({
  scheme: z.object({ id: z.string(), tiers: z.array(z.object({ sec: z.number() })) }),
  computedAt: z.string(),
  units: z.number().describe('available units with a fresh position that the search started from'),
  tiers: z.array(z.object({ ...tierShare, roadKm: z.number() })),
  districts: z.array(
    z.object({ id: z.string(), name: z.string(), tiers: z.array(z.object(tierShare)) }),
  ),
  blindSpots: z
    .unknown()
    .describe('GeoJSON FeatureCollection of areas no unit reaches within the last tier'),
  tookMs: z.number(),
});
export type CoverageView = z.infer<typeof coverageViewSchema>;

export const moveUpSchema = z.object({
  unitId: z.string(),
  from: lonLatViewSchema,
  to: z.object({ standbyPointId: z.string(), lon: z.number(), lat: z.number() }),
  gainPct: z
    .number()
    .describe('covered demand gained by this move (after the earlier moves), % of total demand'),
  coveredPct: z.number().describe('covered demand after this move, % of total demand'),
});
