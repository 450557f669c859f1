import { z } from 'zod';

export const messageViewSchema = z.object({
  id: z.string(),
  at: z.string(),
  deviceAt: z.string().nullable(),
  from: z.object({ kind: z.enum(['user', 'unit']), id: z.string(), name: z.string() }),
  text: z.string(),
  toDesk: z.boolean().describe('a unit wrote to the desk'),
  to: z.object({
    unitIds: z.array(z.string()),
    jurisdictionId: z.string().nullable(),
    incidentId: z.string().nullable(),
  }),
  incidentId: z.string().nullable(),
  replyTo: z.string().nullable(),
  recipients: z.array(
    z.object({ unitId: z.string(), callsign: z.string(), readAt: z.string().nullable() }),
  ),
});
export type MessageView = z.infer<typeof messageViewSchema>;
export const messageSentSchema = z.object({ message: messageViewSchema });
export const messageListSchema = z.object({ messages: z.array(messageViewSchema) });
export const messageReadResultSchema = z.object({
  messageId: z.string(),
  unitId: z.string(),
  readAt: z.string(),
});
export type MessageReadEvent = z.infer<typeof messageReadResultSchema>;

export const emergencyViewSchema = z.object({
  id: z.string(),
  unitId: z.string(),
  callsign: z.string(),
  incidentId: z.string().nullable(),
  incidentNumber: z.string().nullable(),
  raisedAt: z.string(),
  deviceAt: z.string().nullable(),
  raisedBy: z.object({ kind: z.string(), id: z.string().nullable(), name: z.string() }),
  position: z.object({ lon: z.number(), lat: z.number() }).nullable(),
  alertId: z.string().nullable(),
  clearedAt: z.string().nullable(),
  clearReason: z.string().nullable(),
});
export type EmergencyView = z.infer<typeof emergencyViewSchema>;

export const emergencyRaisedSchema = z.object({
  emergency: emergencyViewSchema,
  /** false when this unit's emergency was already active (a repeated press): nothing new was made */
  created: z.boolean(),
  /** nearest available units to the unit's position, by road ETA (the unit itself left out) */
  nearest: z.array(
    z.object({
      unitId: z.string(),
      callsign: z.string(),
      etaSec: z.number().nullable(),
      method: z.string(),
    }),
  ),
});
export const emergencyListSchema = z.object({
  emergencies: z.array(
    emergencyViewSchema.extend({
      track: z
        .array(z.array(z.number()))
        .describe("[lon, lat, epochMs]: the unit's fixes since the emergency was raised, in order"),
    }),
  ),
});
export type EmergencyWithTrack = z.infer<typeof emergencyListSchema>['emergencies'][number];

export const checkInResultSchema = z.object({
  assignmentId: z.string(),
  at: z.string(),
  nextPromptAt: z.string().nullable(),
});

export const terminalLinkSchema = z.object({
  unitId: z.string(),
  callsign: z.string(),
  /** the sign-in link (the token in its fragment, never sent to a server by the browser) */
  url: z.string(),
  terminalToken: z.string().describe("a new token: the unit's previous token stops working"),
  qrSvg: z.string().describe('the link as a QR code (SVG)'),
});
