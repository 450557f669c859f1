import { z } from 'zod';
import { ALERT_KINDS } from '../constants';

export const alertViewSchema = z.object({
  id: z.string(),
  kind: z.enum(ALERT_KINDS),
  incidentId: z
    .string()
    .nullable()
    .describe('null for alerts about the city rather than one incident (coverage_below_target)'),
  unitId: z.string().nullable(),
  assignmentId: z.string().nullable(),
  at: z.string(),
  data: z.record(z.string(), z.unknown()),
  acknowledgedAt: z.string().nullable(),
  exercise: z.boolean().describe('about an exercise (演练) incident'),
});
export type AlertView = z.infer<typeof alertViewSchema>;
