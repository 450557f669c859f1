import { z } from 'zod';

export const alertViewSchema = z.object({
  id: z.string(),
  kind: z.enum(['ack_overdue', 'tier_missed', 'coverage_below_target', 'agency_undelivered', 'emergency', 'check_in_overdue']),
  incidentId: z
    .string()
    .nullable()
    .describe('null for alerts about the city rather than one incident (coverage_below_target)'),
  unitId: z.string().nullable(),
  assignmentId: z.string().nullable(),
  at: z.string(),
  data: z.record(z.string(), z.unknown()),
  acknowledgedAt: z.string().nullable(),
});
export type AlertView = z.infer<typeof alertViewSchema>;
