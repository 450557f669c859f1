import { z } from 'zod';
import { positionReportSchema } from './places';
import { terminalTaskEventSchema } from './incidents';
import { alertViewSchema } from './responses/realtime';
import { assignmentViewSchema, incidentViewSchema } from './responses/incidents';
import { noteViewSchema, premiseFlagSchema } from './responses/desk';
import { unitViewSchema } from './responses/places';
import { coverageViewSchema } from './responses/rings';
import { defenseLevelViewSchema } from './responses/command';
import { lonLatViewSchema } from './responses/common';
import {
  emergencyViewSchema,
  messageReadResultSchema,
  messageViewSchema,
} from './responses/terminal';
import { messageReadSchema } from './terminal';
import { trainingSimulationViewSchema } from './training';
import { perimeterReadinessSchema } from './perimeters';
import { terminalPostRecalledSchema, terminalPostSchema } from './deployment';

// Every socket.io payload, as a zod schema, and the typed event maps of both namespaces
// (`/console`, `/terminal`; names in ./constants). Server and clients type their sockets with the
// maps, so an event renamed or reshaped on one side fails the other's compile.

/** The snapshot a console gets on every (re)connect (`sync`). */
export const consoleSyncSchema = z.object({
  at: z.string().describe("the server's clock when the snapshot was taken"),
  incidents: z.array(incidentViewSchema),
  assignments: z.array(assignmentViewSchema),
  units: z.array(unitViewSchema),
  alerts: z.array(alertViewSchema),
  notes: z
    .array(noteViewSchema)
    .describe('the running log (备注) of the open incidents in the snapshot'),
  positionStaleSec: z
    .number()
    .positive()
    .describe(
      'POSITION_STALE_SEC: a position older than this is not trusted (the console ages positions by it)',
    ),
});
export type ConsoleSync = z.infer<typeof consoleSyncSchema>;

/** `assignment.updated`: the assignment with its incident's version. */
export const assignmentUpdatedSchema = assignmentViewSchema.extend({ version: z.number() });
export type AssignmentUpdated = z.infer<typeof assignmentUpdatedSchema>;

/** One moved unit of a `units.positions` batch. */
export const unitPositionSchema = z.object({
  unitId: z.string(),
  lon: z.number(),
  lat: z.number(),
  at: z.string(),
});
export type UnitPosition = z.infer<typeof unitPositionSchema>;

/**
 * `units.positions.packed`: the same batch as a packed binary frame (see `decodePositionFrame` in
 * @ringcad/domain); a Buffer on the server, an ArrayBuffer in the browser.
 */
export const packedPositionsSchema = z.custom<ArrayBuffer>(
  (v) => v instanceof ArrayBuffer || ArrayBuffer.isView(v),
  'a binary frame',
);

/** `incident.note` on consoles and terminals. */
export const incidentNoteEventSchema = z.object({
  incidentId: z.string(),
  version: z.number().describe("the incident's version after the note"),
  note: noteViewSchema,
});
export type IncidentNoteEvent = z.infer<typeof incidentNoteEventSchema>;

/** What a unit terminal is told to do (`task.assigned`, `task.updated`). */
export const terminalTaskSchema = z.object({
  assignmentId: z.string(),
  status: z
    .string()
    .describe('where the task stands (a re-sent task after reconnect may already be under way)'),
  incident: z.object({
    id: z.string(),
    number: z.string(),
    category: z.string(),
    priority: z.number(),
    location: lonLatViewSchema,
    address: z.string().nullable(),
    description: z.string().nullable(),
    exercise: z.boolean().optional().describe('演练: an exercise, not a real incident'),
  }),
  etaSec: z.number().nullable(),
  checkpoint: z
    .object({ id: z.string(), name: z.string(), location: lonLatViewSchema })
    .optional()
    .describe('a 封控 checkpoint task: where to stand (the incident is what it seals off)'),
  premises: z
    .array(premiseFlagSchema)
    .optional()
    .describe("caution flags of the incident's place, most severe first"),
  caller: z
    .object({ name: z.string().nullable(), number: z.string().nullable() })
    .optional()
    .describe('the caller, masked as for every role without access to personal data'),
});
export type TerminalTask = z.infer<typeof terminalTaskSchema>;

/** `task.cancelled`: the unit is released from an assignment (recalled, cancelled, merged away). */
export const taskCancelledSchema = z.object({
  assignmentId: z.string(),
  incidentId: z.string(),
  reason: z.string(),
});
export type TaskCancelled = z.infer<typeof taskCancelledSchema>;

/** A terminal's position report (`position`): the unit is the socket's, not the payload's. */
export const terminalPositionSchema = positionReportSchema.omit({ unitId: true });
export type TerminalPosition = z.infer<typeof terminalPositionSchema>;

/** A terminal's task step (`task.event`). */
export type TerminalTaskEvent = z.infer<typeof terminalTaskEventSchema>;

/** The acknowledgement of every client → server event of `/terminal`. */
export const ackResultSchema = <T extends z.ZodType>(data: T) =>
  z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), data }),
    z.object({
      ok: z.literal(false),
      error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
    }),
  ]);
export type AckResult<T> =
  | { ok: true; data: T }
  | { ok: false; error: { code: string; message: string; details?: unknown } };

/** Payload schemas of the server → client events of `/console`, by event name. */
export const consoleEventSchemas = {
  sync: consoleSyncSchema,
  'incident.created': incidentViewSchema,
  'incident.updated': incidentViewSchema,
  'assignment.updated': assignmentUpdatedSchema,
  /** Every console gets every unit (every seat draws the whole fleet). */
  'unit.updated': unitViewSchema,
  /** To consoles whose handshake asked for JSON positions. */
  'units.positions': z.array(unitPositionSchema),
  /** To consoles whose handshake has `auth.positions = "packed"`, instead of `units.positions`. */
  'units.positions.packed': packedPositionsSchema,
  alert: alertViewSchema,
  'alert.acknowledged': alertViewSchema,
  /** Ring coverage recomputed (every COVERAGE_PUSH_SEC) for each pushed scheme. */
  'coverage.updated': coverageViewSchema,
  /** A commander changed the graded defense level (等级化防控) of a jurisdiction or the city. */
  'defense-level.changed': defenseLevelViewSchema,
  /** A note was added to an incident's running log. */
  'incident.note': incidentNoteEventSchema,
  /** 点对点: a message to units, or a unit's message to the desk. */
  message: messageViewSchema,
  /** A unit's terminal read a message. */
  'message.read': messageReadResultSchema,
  /** A dispatcher or commander switched the 训练模拟 (training simulator) on or off. */
  'training.updated': trainingSimulationViewSchema,
  /** 环城封控圈 readiness recomputed (every PERIMETER_PUSH_SEC), to the perimeter's acting seats. */
  'perimeter.readiness': perimeterReadinessSchema,
} as const;

/** `check-in.prompt`: on scene a while without a word, 报平安 (POST /api/v1/assignments/:id/check-in) before answerBy. */
export const checkInPromptSchema = z.object({
  assignmentId: z.string(),
  incidentId: z.string(),
  incidentNumber: z.string(),
  promptedAt: z.string(),
  answerBy: z.string(),
});

/** Payload schemas of the server → client events of `/terminal`, by event name. */
export const terminalEventSchemas = {
  'task.assigned': terminalTaskSchema,
  'task.cancelled': taskCancelledSchema,
  /** The task's incident was corrected (更正) or the task moved to a master incident (并案). */
  'task.updated': terminalTaskSchema,
  /** A note on the incident the unit is working. */
  'incident.note': incidentNoteEventSchema,
  /** Who this terminal is (sent on connect). */
  'terminal.hello': z.object({ unitId: z.string(), callsign: z.string() }),
  /**
   * This terminal's token no longer works (an admin issued a new terminal link); the server closes
   * the socket right after. `token_replaced` is the only reason so far.
   */
  'terminal.revoked': z.object({ reason: z.enum(['token_replaced']) }),
  /** A message from the desk (answered with `message.read`). */
  message: messageViewSchema,
  'check-in.prompt': checkInPromptSchema,
  'emergency.raised': emergencyViewSchema,
  'emergency.cleared': emergencyViewSchema,
  /** A confirmed shift deployment plan posts this unit at a standby point (POST /api/v1/deployment-plans/:id/confirm). */
  'post.assigned': terminalPostSchema,
  'post.recalled': terminalPostRecalledSchema,
} as const;

type Listeners<S extends Record<string, z.ZodType>> = {
  [E in keyof S]: (payload: z.infer<S[E]>) => void;
};

/** Server → client events of `/console` (socket.io-client `Socket<…, …>` first parameter). */
export type ConsoleServerToClientEvents = Listeners<typeof consoleEventSchemas>;

/**
 * `positions.viewport`: the [west, south, east, north] box a packed console draws; it then gets
 * each second only the units moving in it (and every 10 s the rest). `null`: the whole city again.
 */
export const positionsViewportSchema = z
  .tuple([
    z.number().min(-180).max(180),
    z.number().min(-90).max(90),
    z.number().min(-180).max(180),
    z.number().min(-90).max(90),
  ])
  .refine(([w, s, e, n]) => w <= e && s <= n, 'bbox must be w,s,e,n with w<=e and s<=n')
  .nullable();
export type PositionsViewport = z.infer<typeof positionsViewportSchema>;

/** Client → server events of `/console`. */
export interface ConsoleClientToServerEvents {
  /** Ask for a fresh `sync` snapshot. */
  'sync.request': () => void;
  /** Draws only this box (packed consoles): see {@link positionsViewportSchema}. */
  'positions.viewport': (bbox: PositionsViewport) => void;
}

/** Server → client events of `/terminal`. */
export type TerminalServerToClientEvents = Listeners<typeof terminalEventSchemas>;

/** Client → server events of `/terminal` (each with an acknowledgement callback). */
export interface TerminalClientToServerEvents {
  'task.event': (payload: TerminalTaskEvent, ack: (r: AckResult<unknown>) => void) => void;
  position: (payload: TerminalPosition, ack: (r: AckResult<{ accepted: number }>) => void) => void;
  /** Read receipt of a message this terminal received. */
  'message.read': (
    payload: z.infer<typeof messageReadSchema>,
    ack: (r: AckResult<z.infer<typeof messageReadResultSchema>>) => void,
  ) => void;
}

/** @deprecated the old name of {@link ConsoleServerToClientEvents}. */
export type ConsoleServerEvents = ConsoleServerToClientEvents;
/** @deprecated the old name of {@link TerminalServerToClientEvents}. */
export type TerminalServerEvents = TerminalServerToClientEvents;
/** @deprecated the old name of {@link TerminalClientToServerEvents}. */
export type TerminalClientEvents = TerminalClientToServerEvents;
