export * from './database';
export * from './data-dir';
export * from './migrator';
export * from './schema';
export { SessionLock, asBulk, type SessionPriority } from './session-lock';
export { PGlitePoolAdapter } from './bullmq-pglite-pool';
export { threadEntry } from './thread-entry';
export type { PGliteSession, ParserSet } from './pglite-session';
export type { SessionGate, SessionLease } from './session-gate';
