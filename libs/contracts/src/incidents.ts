import { z } from 'zod';
import { ASSIGNMENT_EVENT_TYPES, INCIDENT_CATEGORIES, SCENE_ASSIGNMENT_ROLES } from '@ringcad/domain';
import { isoDateTimeSchema, queryDateTimeSchema, safeText, schemeIdSchema, uuidSchema } from './common';
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

export const assignmentEventSchema = z.object({ type: z.enum(ASSIGNMENT_EVENT_TYPES) });
export const terminalTaskEventSchema = assignmentEventSchema.extend({ assignmentId: uuidSchema });

export const closeIncidentSchema = z.object({ disposition: safeText().trim().min(1).max(2000) });
export const cancelIncidentSchema = z.object({ reason: safeText().trim().min(1).max(2000) });

export const recommendationQuerySchema = z.object({ scheme: schemeIdSchema.optional() });

export interface JurisdictionRef {
  districtId: string | null;
  stationId: string | null;
  gridId: string | null;
}

export interface IncidentView {
  id: string;
  number: string;
  status: string;
  category: string;
  priority: 1 | 2 | 3;
  schemeId: string;
  location: { lon: number; lat: number };
  address: string | null;
  callerNumber: string | null;
  callerName: string | null;
  description: string | null;
  jurisdiction: JurisdictionRef | null;
  receivedAt: string;
  createdAt: string;
  dispatchedAt: string | null;
  closedAt: string | null;
  version: number;
}

export interface AssignmentView {
  id: string;
  incidentId: string;
  unitId: string;
  callsign: string;
  unitKind: string;
  role: string;
  status: string;
  etaSec: number | null;
  etaMethod: string | null;
  assignedAt: string;
  ackedAt: string | null;
  departedAt: string | null;
  arrivedAt: string | null;
  clearedAt: string | null;
  declinedAt: string | null;
  cancelledAt: string | null;
}

export interface RecommendationCandidate {
  unitId: string;
  callsign: string;
  kind: string;
  status: string;
  etaSec: number;
  distanceM: number;
  tier: number | null;
  method: 'road' | 'straight';
}

export interface ExcludedUnit {
  unitId: string;
  callsign: string;
  reason: 'not_available' | 'no_position' | 'stale_position' | 'beyond_search' | 'not_ranked';
  status: string;
}
