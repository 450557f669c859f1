import type { AlertView, AssignmentView, DefenseLevelView, IncidentView, UnitView } from './responses';
import type { IncidentNoteEvent } from './desk';
import type { NoteView, PremiseFlag } from './responses/desk';
import type { EmergencyView, MessageReadEvent, MessageView } from './responses/terminal';

export interface ConsoleSync {
  at: string;
  incidents: IncidentView[];
  assignments: AssignmentView[];
  units: UnitView[];
  alerts: AlertView[];
  /** The running log (备注) of the open incidents in the snapshot. */
  notes: NoteView[];
}

export interface TerminalTask {
  assignmentId: string;
  /** Where the task stands (a re-sent task after reconnect may already be under way). */
  status: string;
  incident: {
    id: string;
    number: string;
    category: string;
    priority: number;
    location: { lon: number; lat: number };
    address: string | null;
    description: string | null;
  };
  etaSec: number | null;
  /** A 封控 checkpoint task: where to stand (the incident is what it seals off). */
  checkpoint?: { id: string; name: string; location: { lon: number; lat: number } };
  /** The caller, masked as for every role without access to personal data. */
  caller?: { name: string | null; number: string | null };
  /** Caution flags of the incident's place (危险物品, 持械前科 …), most severe first. */
  premises?: PremiseFlag[];
}

/** Server → client events of the `/console` namespace. */
export interface ConsoleServerEvents {
  sync: (snapshot: ConsoleSync) => void;
  'incident.created': (incident: IncidentView) => void;
  'incident.updated': (incident: IncidentView) => void;
  'assignment.updated': (payload: AssignmentView & { version: number }) => void;
  'unit.updated': (unit: UnitView) => void;
  'units.positions': (positions: { unitId: string; lon: number; lat: number; at: string }[]) => void;
  /**
   * The same batch as a packed binary frame (see `decodePositionFrame` in @ringcad/domain), sent
   * instead of `units.positions` to consoles whose handshake has `auth.positions = "packed"`.
   */
  'units.positions.packed': (frame: ArrayBuffer) => void;
  alert: (alert: AlertView) => void;
  'alert.acknowledged': (alert: AlertView) => void;
  /** Ring coverage recomputed (every COVERAGE_PUSH_SEC) for each pushed scheme. */
  'coverage.updated': (coverage: unknown) => void;
  /** A commander changed the graded defense level (等级化防控) of a jurisdiction or the city. */
  'defense-level.changed': (level: DefenseLevelView) => void;
  /** A note was added to an incident's running log. */
  'incident.note': (payload: IncidentNoteEvent) => void;
  /** 点对点: a message to units, or a unit's message to the desk. */
  message: (message: MessageView) => void;
  /** A unit's terminal read a message. */
  'message.read': (receipt: MessageReadEvent) => void;
}

/** Server → client events of the `/terminal` namespace. */
export interface TerminalServerEvents {
  'task.assigned': (task: TerminalTask) => void;
  'task.cancelled': (payload: { assignmentId: string; incidentId: string; reason: string }) => void;
  /** The task's incident was corrected (更正) or the task moved to a master incident (并案). */
  'task.updated': (task: TerminalTask) => void;
  /** A note on the incident the unit is working. */
  'incident.note': (payload: IncidentNoteEvent) => void;
  /** Who this terminal is (sent on connect). */
  'terminal.hello': (unit: { unitId: string; callsign: string }) => void;
  /** A message from the desk (answered with `message.read`). */
  message: (message: MessageView) => void;
  /** On scene a while without a word: 报平安 (POST /api/v1/assignments/:id/check-in) before answerBy. */
  'check-in.prompt': (prompt: { assignmentId: string; incidentId: string; incidentNumber: string; promptedAt: string; answerBy: string }) => void;
  'emergency.raised': (emergency: EmergencyView) => void;
  'emergency.cleared': (emergency: EmergencyView) => void;
}

export type AckResult<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string; details?: unknown } };

/** Client → server events of the `/terminal` namespace (each with an acknowledgement callback). */
export interface TerminalClientEvents {
  'task.event': (payload: { assignmentId: string; type: string }, ack: (r: AckResult<unknown>) => void) => void;
  position: (
    payload: { lon: number; lat: number; at: string; speedKmh?: number; headingDeg?: number },
    ack: (r: AckResult<{ accepted: number }>) => void,
  ) => void;
  /** Read receipt of a message this terminal received. */
  'message.read': (payload: { messageId: string }, ack: (r: AckResult<MessageReadEvent>) => void) => void;
}

export const CONSOLE_NAMESPACE = '/console';
export const TERMINAL_NAMESPACE = '/terminal';
