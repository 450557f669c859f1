import type { ParserSet, SerializedError } from './pglite-session';

export type PGliteThreadRequest =
  | { id: number; op: 'query'; sql: string; params?: readonly unknown[]; parsers: ParserSet }
  | { id: number; op: 'exec'; sql: string; parsers: ParserSet }
  | { id: number; op: 'ping' }
  | { id: number; op: 'close' };

export type PGliteThreadReply =
  | { kind: 'ready' }
  | { kind: 'failed'; error: SerializedError }
  | { kind: 'notify'; channel: string; payload: string }
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; error: SerializedError };
