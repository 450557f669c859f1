import { z } from 'zod';
import { PREMISE_LEVELS } from '../constants';
import { areaGeometryViewSchema, labelSchema, lonLatViewSchema } from './common';
import { assignmentViewSchema, incidentViewSchema, recommendationSchema } from './incidents';

// Response bodies of the desk's lifecycle (issue 13): update, notes, calls, merge, recall,
// dispositions, intake context and premises.

export const actorViewSchema = z.object({
  kind: z.enum(['user', 'unit', 'system']),
  id: z.string().nullable(),
  name: z.string(),
});
export type ActorView = z.infer<typeof actorViewSchema>;

export const noteViewSchema = z.object({
  id: z.string(),
  incidentId: z.string(),
  at: z.string(),
  actor: actorViewSchema,
  text: z.string(),
});
export type NoteView = z.infer<typeof noteViewSchema>;

export const callViewSchema = z.object({
  id: z.string().nullable().describe('null for the call that opened the incident'),
  incidentId: z.string(),
  callerNumber: z.string().nullable(),
  callerName: z.string().nullable(),
  receivedAt: z.string(),
  note: z.string().nullable(),
  mergedFrom: z.string().nullable().describe('the duplicate this call was first filed on'),
});
export type CallView = z.infer<typeof callViewSchema>;

export const incidentUpdateResultSchema = z.object({
  incident: incidentViewSchema,
  changed: z
    .array(z.string())
    .describe('fields that changed (schemeId and jurisdiction when they followed)'),
  recommendation: recommendationSchema
    .optional()
    .describe('re-ranked when the place, priority or scheme changed'),
});
export const noteResultSchema = z.object({ note: noteViewSchema });
export const notesResultSchema = z.object({ notes: z.array(noteViewSchema) });
export const callResultSchema = z.object({ call: callViewSchema, incident: incidentViewSchema });
export const callsResultSchema = z.object({ calls: z.array(callViewSchema) });
export const mergeResultSchema = z.object({
  incident: incidentViewSchema.describe('the duplicate, now merged'),
  into: incidentViewSchema.describe('the master'),
});
export const recallResultSchema = z.object({ assignment: assignmentViewSchema });

export const dispositionViewSchema = z.object({
  code: z.string(),
  label: labelSchema,
  transferAgency: z
    .string()
    .nullable()
    .describe('closing with this code hands the incident to this agency'),
  builtin: z.boolean(),
  disabled: z.boolean().describe('no longer offered when closing an incident'),
});
export type DispositionView = z.infer<typeof dispositionViewSchema>;

export const premiseFlagSchema = z.object({
  id: z.string(),
  name: z.string(),
  level: z.enum(PREMISE_LEVELS),
  text: z.string(),
});
export type PremiseFlag = z.infer<typeof premiseFlagSchema>;

export const premiseViewSchema = premiseFlagSchema.extend({
  location: lonLatViewSchema.nullable(),
  area: areaGeometryViewSchema.nullable(),
  updatedAt: z.string(),
});
export type PremiseView = z.infer<typeof premiseViewSchema>;

export const intakeContextSchema = z.object({
  priorIncidents: z
    .array(
      z.object({
        id: z.string(),
        number: z.string(),
        category: z.string(),
        status: z.string(),
        distanceM: z.number(),
        at: z.string(),
      }),
    )
    .describe('incidents within 100 m in the last 90 days'),
  callerHistory: z.array(
    z.object({ incidentId: z.string(), number: z.string(), at: z.string(), category: z.string() }),
  ),
  possibleDuplicates: z
    .array(
      z.object({
        id: z.string(),
        number: z.string(),
        category: z.string(),
        status: z.string(),
        distanceM: z.number(),
        minutesAgo: z.number(),
      }),
    )
    .describe('open incidents nearby: the duplicate check before filing'),
  premises: z.array(premiseFlagSchema),
});
export type IntakeContext = z.infer<typeof intakeContextSchema>;
