import { z } from 'zod';
import {
  ASSIGNMENT_EVENT_TYPES,
  INCIDENT_CATEGORIES,
  SCENE_ASSIGNMENT_ROLES,
} from '@ringcad/domain';
import {
  isoDateTimeSchema,
  queryDateTimeSchema,
  safeText,
  schemeIdSchema,
  uuidSchema,
} from './common';
import { locationInputSchema } from './places';

export const categorySchema = z.enum(INCIDENT_CATEGORIES);
export const prioritySchema = z.union([z.literal(1), z.literal(2), z.literal(3)]);

export const createIncidentSchema = z.object({
  location: locationInputSchema,
  category: categorySchema,
  priority: prioritySchema,
  address: safeText().trim().max(300).optional(),
  callerNumber: safeText()
    .trim()
    .regex(/^\+?[0-9\- ]{3,20}$/, 'digits only')
    .optional(),
  callerName: safeText().trim().max(100).optional(),
  description: safeText().max(4000).optional(),
  receivedAt: isoDateTimeSchema.optional(),
  schemeId: schemeIdSchema.optional(),
  /** 演练: an exercise incident, shown as such everywhere and kept out of reports, KPIs and the index. */
  exercise: z.boolean().optional(),
  /** The exercise (`POST /api/v1/exercises`) this incident belongs to; implies `exercise`. */
  exerciseId: uuidSchema.optional(),
});
export type CreateIncidentRequest = z.infer<typeof createIncidentSchema>;

export const listIncidentsQuerySchema = z.object({
  status: z.enum(['open', 'closed', 'all']).default('open'),
  from: queryDateTimeSchema.optional(),
  to: queryDateTimeSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export const createAssignmentsSchema = z.object({
  unitIds: z.array(uuidSchema).min(1).max(50),
  role: z.enum(SCENE_ASSIGNMENT_ROLES).optional(),
});
export type CreateAssignmentsRequest = z.infer<typeof createAssignmentsSchema>;

export const assignmentEventSchema = z.object({
  type: z.enum(ASSIGNMENT_EVENT_TYPES),
  /** When the terminal took the action (device time; an action queued offline arrives later). */
  at: isoDateTimeSchema.optional(),
  /** 反馈: the disposition code (from `GET /api/v1/dispositions`) and the officer's words. */
  disposition: safeText().trim().min(1).max(40).optional(),
  text: safeText().trim().max(2000).optional(),
  /** The terminal took it without a connection and sent it from its queue. */
  offline: z.boolean().optional(),
});
export const terminalTaskEventSchema = assignmentEventSchema.extend({ assignmentId: uuidSchema });

/** 结案: a disposition code from `GET /api/v1/dispositions`, and optionally words of the dispatcher's. */
export const closeIncidentSchema = z.object({
  disposition: safeText().trim().min(1).max(40),
  note: safeText().trim().max(2000).optional(),
});
export const cancelIncidentSchema = z.object({ reason: safeText().trim().min(1).max(2000) });

export const recommendationQuerySchema = z.object({ scheme: schemeIdSchema.optional() });
