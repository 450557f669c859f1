import { z } from 'zod';
import { UNIT_KINDS } from '@ringcad/domain';
import { geoJsonGeometryViewSchema, lonLatViewSchema } from './common';

export const unitViewSchema = z.object({
  id: z.string(),
  callsign: z.string(),
  kind: z.enum(UNIT_KINDS),
  status: z.string(),
  stationId: z.string().nullable(),
  position: z
    .object({ lon: z.number(), lat: z.number(), at: z.string(), stale: z.boolean() })
    .nullable()
    .describe('last trusted position; stale when older than POSITION_STALE_SEC'),
  version: z.number(),
  num: z
    .number()
    .describe(
      'stable small number naming the unit in packed position frames (units.positions.packed)',
    ),
});
export type UnitView = z.infer<typeof unitViewSchema>;

export const createdUnitSchema = z.object({
  unit: unitViewSchema,
  terminalToken: z.string().describe('shown once: the unit terminal authenticates with it'),
});

export const positionsAcceptedSchema = z.object({
  accepted: z.number().describe('positions durably queued'),
  flagged: z
    .number()
    .describe('of those, kept in the track but not trusted (impossible jumps, stale)'),
});

export const jurisdictionViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['district', 'station', 'grid']),
  parentId: z.string().nullable(),
  schemeId: z.string().nullable(),
});
export type JurisdictionView = z.infer<typeof jurisdictionViewSchema>;

export const jurisdictionCollectionSchema = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      id: z.string(),
      geometry: z.unknown().describe('GeoJSON Polygon or MultiPolygon'),
      properties: z.object({
        id: z.string(),
        name: z.string(),
        kind: z.string(),
        parentId: z.string().nullable(),
        schemeId: z.string().nullable(),
      }),
    }),
  ),
});

/** A checkpoint (卡点) or standby point (备勤点). */
export const placeViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  location: lonLatViewSchema,
});

export const placeSearchResultSchema = z.object({
  results: z.array(
    z.object({ label: z.string(), lon: z.number(), lat: z.number(), kind: z.string() }),
  ),
});

/** A road network file as imported. */
export const roadNetworkSummarySchema = z.object({
  id: z.number(),
  source: z.string(),
  format: z.string(),
  importedAt: z.string(),
  nodes: z.number(),
  segments: z.number(),
  edges: z.number(),
  bbox: z
    .tuple([z.number(), z.number(), z.number(), z.number()])
    .describe('[west, south, east, north]'),
  islands: z.object({
    components: z.number(),
    largestComponentNodes: z.number(),
    islandNodes: z.number(),
  }),
});
export type RoadNetworkSummary = z.infer<typeof roadNetworkSummarySchema>;

export const roadGeojsonSchema = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      geometry: geoJsonGeometryViewSchema,
      properties: z.record(z.string(), z.unknown()),
    }),
  ),
});
