import { z } from 'zod';
import { MANUAL_UNIT_STATUSES, UNIT_KINDS } from '@ringcad/domain';
import {
  areaGeometrySchema,
  crsSchema,
  isoDateTimeSchema,
  latSchema,
  lonSchema,
  safeText,
  schemeIdSchema,
  uuidSchema,
} from './common';

export const jurisdictionKindSchema = z.enum(['district', 'station', 'grid']);
export const createJurisdictionSchema = z.object({
  name: safeText().trim().min(1).max(100),
  kind: jurisdictionKindSchema,
  parentId: uuidSchema.nullish(),
  boundary: areaGeometrySchema,
  schemeId: schemeIdSchema.nullish(),
});
export type CreateJurisdictionRequest = z.infer<typeof createJurisdictionSchema>;

export const locationInputSchema = z.object({
  lon: lonSchema,
  lat: latSchema,
  crs: crsSchema.optional(),
});
export type LocationInput = z.infer<typeof locationInputSchema>;

export const createPlaceSchema = z.object({
  name: safeText().trim().min(1).max(100),
  location: locationInputSchema,
});
export type CreatePlaceRequest = z.infer<typeof createPlaceSchema>;

export const unitKindSchema = z.enum(UNIT_KINDS);
export const createUnitSchema = z.object({
  callsign: safeText().trim().min(1).max(40),
  kind: unitKindSchema,
  stationId: uuidSchema.nullish(),
});
export type CreateUnitRequest = z.infer<typeof createUnitSchema>;

/** The admin renames a unit, changes its kind or its station (what is absent stays). */
export const updateUnitSchema = z
  .object({
    callsign: safeText().trim().min(1).max(40).optional(),
    kind: unitKindSchema.optional(),
    stationId: uuidSchema.nullable().optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), 'nothing to change');
export type UpdateUnitRequest = z.infer<typeof updateUnitSchema>;

/** The admin renames or moves a checkpoint or standby point. */
export const updatePlaceSchema = z
  .object({
    name: safeText().trim().min(1).max(100).optional(),
    location: locationInputSchema.optional(),
  })
  .refine((v) => v.name !== undefined || v.location !== undefined, 'nothing to change');
export type UpdatePlaceRequest = z.infer<typeof updatePlaceSchema>;

export const setUnitStatusSchema = z.object({ status: z.enum(MANUAL_UNIT_STATUSES) });

export const MAX_POSITIONS_PER_REQUEST = 5000;
export const positionReportSchema = z.object({
  unitId: uuidSchema,
  lon: lonSchema,
  lat: latSchema,
  at: isoDateTimeSchema,
  speedKmh: z.number().finite().min(0).max(400).optional(),
  headingDeg: z.number().finite().min(0).max(360).optional(),
});
export const positionsBatchSchema = z.object({
  positions: z.array(positionReportSchema).min(1).max(MAX_POSITIONS_PER_REQUEST),
});
export type PositionReport = z.infer<typeof positionReportSchema>;
