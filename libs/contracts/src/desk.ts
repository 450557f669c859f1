import { z } from 'zod';
import { isoDateTimeSchema, uuidSchema } from './common';
import { categorySchema, prioritySchema } from './incidents';
import { locationInputSchema } from './places';

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
    address: z.string().trim().max(300).nullable().optional(),
    callerName: z.string().trim().max(100).nullable().optional(),
    callerNumber: callerNumberSchema.nullable().optional(),
    description: z.string().max(4000).nullable().optional(),
  })
  .strict()
  .refine((u) => Object.keys(u).some((k) => k !== 'expectedVersion'), 'nothing to change');
export type UpdateIncidentRequest = z.infer<typeof updateIncidentSchema>;

export const addNoteSchema = z.object({ text: z.string().trim().min(1).max(4000) }).strict();
export type AddNoteRequest = z.infer<typeof addNoteSchema>;

export const attachCallSchema = z
  .object({
    callerNumber: callerNumberSchema.optional(),
    callerName: z.string().trim().max(100).optional(),
    receivedAt: isoDateTimeSchema.optional(),
    note: z.string().trim().max(4000).optional(),
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

export const recallAssignmentSchema = z.object({ reason: z.string().trim().min(1).max(2000) }).strict();

export const dispositionCodeSchema = z
  .string()
  .trim()
  .regex(/^[a-z0-9_]{2,40}$/, 'lower-case letters, digits and _');

export const createDispositionSchema = z
  .object({
    code: dispositionCodeSchema,
    label: z.object({ zh: z.string().trim().min(1).max(60), en: z.string().trim().min(1).max(80) }).strict(),
  })
  .strict();
export type CreateDispositionRequest = z.infer<typeof createDispositionSchema>;

export interface DispositionView {
  code: string;
  label: { zh: string; en: string };
  transferAgency: string | null;
  builtin: boolean;
}

export interface ActorView {
  kind: 'user' | 'unit' | 'system';
  id: string | null;
  name: string;
}

export interface NoteView {
  id: string;
  incidentId: string;
  at: string;
  actor: ActorView;
  text: string;
}

export interface CallView {
  /** `null` for the call that opened the incident (it lives on the incident row) */
  id: string | null;
  incidentId: string;
  callerNumber: string | null;
  callerName: string | null;
  receivedAt: string;
  note: string | null;
  /** the duplicate this call was first filed on, when it came over by a merge */
  mergedFrom: string | null;
}

/** `incident.note` on consoles and terminals. */
export interface IncidentNoteEvent {
  incidentId: string;
  version: number;
  note: NoteView;
}

