import { z } from 'zod';
import { isoDateTimeSchema, pointSchema, safeText, uuidSchema } from './common';

/**
 * 点对点 messages. From a desk (dispatcher, commander): to units named, to the units of a
 * jurisdiction, to the units working an incident (any mix). From a terminal: to the desk
 * (`to` is ignored but for `incidentId`, which must be one its unit works).
 */
export const sendMessageSchema = z.object({
  to: z
    .object({
      unitIds: z.array(uuidSchema).max(500).optional(),
      jurisdictionId: uuidSchema.optional(),
      incidentId: uuidSchema.optional(),
    })
    .default({}),
  text: safeText().trim().min(1).max(2000),
  replyTo: uuidSchema.optional(),
  /** A terminal's own id for the message: a resend after being offline lands once. */
  clientId: safeText().min(1).max(80).optional(),
  /** When the terminal wrote it (device time). */
  at: isoDateTimeSchema.optional(),
});
export type SendMessageRequest = z.infer<typeof sendMessageSchema>;

export const listMessagesQuerySchema = z.object({
  unitId: uuidSchema.optional(),
  incidentId: uuidSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

/** A terminal's read receipt (socket `message.read` or `POST /api/v1/messages/:id/read`). */
export const messageReadSchema = z.object({ messageId: uuidSchema });

/** 一键报警: from the unit's terminal (with its freshest fix) or a dispatcher for it. */
export const raiseEmergencySchema = z.object({
  position: pointSchema.optional(),
  /** Device time of the press. */
  at: isoDateTimeSchema.optional(),
  text: safeText().trim().max(500).optional(),
});
export type RaiseEmergencyRequest = z.infer<typeof raiseEmergencySchema>;

export const clearEmergencySchema = z.object({ reason: safeText().trim().min(1).max(2000) });

/** 报平安: the terminal's answer to an on-scene check-in prompt (or a check-in of its own). */
export const checkInSchema = z.object({
  text: safeText().trim().max(500).optional(),
  at: isoDateTimeSchema.optional(),
});
