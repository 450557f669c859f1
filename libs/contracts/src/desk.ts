import { z } from 'zod';
import { areaGeometrySchema, crsSchema, isoDateTimeSchema, safeText, uuidSchema } from './common';
import { categorySchema, prioritySchema } from './incidents';
import { locationInputSchema } from './places';
import { PREMISE_LEVELS } from './constants';

// The desk's lifecycle (issue 13): update, running log, more calls, merge, recall, dispositions.

const callerNumberSchema = z
  .string()
  .trim()
  .regex(/^\+?[0-9\- ]{3,20}$/, 'digits only');

/** 更正警情: every field optional but at least one; `expectedVersion` guards against a stale form. */
export const updateIncidentSchema = z
  .object({
    expectedVersion: z.number().int().min(1),
    location: locationInputSchema.optional(),
    category: categorySchema.optional(),
    priority: prioritySchema.optional(),
    address: safeText().trim().max(300).nullable().optional(),
    callerName: safeText().trim().max(100).nullable().optional(),
    callerNumber: callerNumberSchema.nullable().optional(),
    description: safeText().max(4000).nullable().optional(),
  })
  .strict()
  .refine((u) => Object.keys(u).some((k) => k !== 'expectedVersion'), 'nothing to change');
export type UpdateIncidentRequest = z.infer<typeof updateIncidentSchema>;

export const addNoteSchema = z.object({ text: safeText().trim().min(1).max(4000) }).strict();
export type AddNoteRequest = z.infer<typeof addNoteSchema>;

export const attachCallSchema = z
  .object({
    callerNumber: callerNumberSchema.optional(),
    callerName: safeText().trim().max(100).optional(),
    receivedAt: isoDateTimeSchema.optional(),
    note: safeText().trim().max(4000).optional(),
  })
  .strict();
export type AttachCallRequest = z.infer<typeof attachCallSchema>;

export const mergeIncidentSchema = z
  .object({
    intoIncidentId: uuidSchema,
    /** what happens to the duplicate's working units: handed over to the master (default) or released */
    units: z.enum(['handover', 'release']).default('handover'),
  })
  .strict();
export type MergeIncidentRequest = z.infer<typeof mergeIncidentSchema>;

export const recallAssignmentSchema = z
  .object({ reason: safeText().trim().min(1).max(2000) })
  .strict();

export const dispositionCodeSchema = z
  .string()
  .trim()
  .regex(/^[a-z0-9_]{2,40}$/, 'lower-case letters, digits and _');

export const createDispositionSchema = z
  .object({
    code: dispositionCodeSchema,
    label: z
      .object({ zh: safeText().trim().min(1).max(60), en: safeText().trim().min(1).max(80) })
      .strict(),
  })
  .strict();
export type CreateDispositionRequest = z.infer<typeof createDispositionSchema>;

/** A premise is a point (with the usual crs) or an area (WGS84 GeoJSON), never both. */
export const premiseInputSchema = z
  .object({
    name: safeText().trim().min(1).max(100),
    level: z.enum(PREMISE_LEVELS),
    text: safeText().trim().min(1).max(1000),
    location: locationInputSchema.optional(),
    area: areaGeometrySchema.optional(),
  })
  .strict()
  .refine((p) => Number(Boolean(p.location)) + Number(Boolean(p.area)) === 1, {
    message: 'give exactly one of location or area',
    path: ['location'],
  });
export type PremiseInput = z.infer<typeof premiseInputSchema>;

/** `GET /api/v1/intake/context`: what the desk should know about a place and a caller before sending. */
export const intakeContextQuerySchema = z
  .object({
    lon: z.coerce.number().finite().gte(-180).lte(180),
    lat: z.coerce.number().finite().gte(-90).lte(90),
    crs: crsSchema.optional(),
    callerNumber: callerNumberSchema.optional(),
    category: categorySchema.optional(),
  })
  .strict();
export type IntakeContextQuery = z.infer<typeof intakeContextQuerySchema>;
