import type { CopyIn, ParserSet, SerializedError } from './pglite-session';
import type { SessionPriority } from './session-lock';

/**
 * When a statement runs in the thread: in its turn by priority (queued there, run back to back
 * with the statements before it), or at once inside a hold its caller was granted.
 */
export type Turn = { priority: SessionPriority } | { hold: number };

/**
 * A request as sent to the thread. `sentAt`: when the caller sent it (`performance.timeOrigin +
 * performance.now()` of the sending thread, so the thread can tell how long it waited in all,
 * the time it sat in the port while a statement ran included).
 */
export type PGliteThreadRequest = PGliteThreadRequestBody & { sentAt: number };

export type PGliteThreadRequestBody =
  | {
      id: number;
      op: 'query';
      sql: string;
      params?: readonly unknown[];
      parsers: ParserSet;
      turn: Turn;
    }
  | { id: number; op: 'exec'; sql: string; parsers: ParserSet; turn: Turn }
  | { id: number; op: 'copyIn'; copy: CopyIn; turn: Turn }
  /** Answered once the session is this caller's alone; the hold's id is this request's id. */
  | { id: number; op: 'hold'; priority: SessionPriority }
  | { id: number; op: 'unhold'; hold: number }
  | { id: number; op: 'ping' }
  | { id: number; op: 'close' };

/**
 * How long a statement waited for its turn in the thread and how long it ran there (ms); for a
 * hold, the wait to be granted and (`op` 'held') how long the session was held. `turn` is the
 * caller's priority, or 'held' for a statement inside a hold.
 */
export interface StatementTiming {
  turn: 'interactive' | 'bulk' | 'held';
  op: 'query' | 'exec' | 'copyIn' | 'hold' | 'held';
  waitMs: number;
  runMs: number;
}

export type PGliteThreadReply =
  | { kind: 'ready' }
  | { kind: 'failed'; error: SerializedError }
  | { kind: 'notify'; channel: string; payload: string }
  | { kind: 'timing'; timing: StatementTiming }
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; error: SerializedError };
