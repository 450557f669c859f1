import { parentPort, workerData } from 'node:worker_threads';
import { openPGliteWithPostgis } from './data-dir';
import { inProcessSession, serializeError, type PGliteSession } from './pglite-session';
import type { PGliteThreadReply, PGliteThreadRequest, Turn } from './pglite-thread.messages';
import { SessionLock } from './session-lock';

/**
 * The embedded database's thread: PGlite (PostgreSQL compiled to WebAssembly) runs here, so its
 * statements execute beside the api's event loop instead of on it. The session's turns are taken
 * here too (`SessionLock`, by priority): statements are sent as soon as they are asked for and run
 * back to back, without a round trip through the api's event loop between one and the next. A
 * hold (a transaction) keeps the session for its caller's statements until it is let go.
 */
const port = parentPort;
if (!port) throw new Error('pglite.worker runs only as a worker thread');
const post = (reply: PGliteThreadReply) => port.postMessage(reply);

let session: PGliteSession | null = null;
const lock = new SessionLock();
/** Holds granted, by id: the release of the session's turn. */
const holds = new Map<number, () => void>();
const ready = openPGliteWithPostgis((workerData as { dataDir: string }).dataDir).then(
  (pglite) => {
    session = inProcessSession(pglite);
    session.onNotification((channel, payload) => post({ kind: 'notify', channel, payload }));
    post({ kind: 'ready' });
  },
  (err: unknown) => post({ kind: 'failed', error: serializeError(err) }),
);

function open(): PGliteSession {
  if (!session) throw new Error('the embedded database is not open');
  return session;
}

function inTurn<T>(turn: Turn, run: () => Promise<T>): Promise<T> {
  if ('priority' in turn) return lock.run(run, turn.priority);
  if (!holds.has(turn.hold)) return Promise.reject(new Error('the session is not held'));
  return run();
}

async function answer(req: PGliteThreadRequest): Promise<unknown> {
  await ready;
  if (!session) throw new Error('the embedded database did not open');
  switch (req.op) {
    case 'query':
      return inTurn(req.turn, () => open().query(req.sql, req.params, req.parsers));
    case 'exec':
      return inTurn(req.turn, () => open().exec(req.sql, req.parsers));
    case 'copyIn':
      return inTurn(req.turn, () => open().copyIn(req.copy));
    case 'hold':
      holds.set(req.id, await lock.acquire(req.priority));
      return null;
    case 'unhold':
      holds.get(req.hold)?.();
      holds.delete(req.hold);
      return null;
    case 'ping':
      return session.ping();
    case 'close': {
      const s = session;
      session = null;
      await s.close();
      return null;
    }
  }
}

port.on('message', (req: PGliteThreadRequest) => {
  answer(req).then(
    (value) => post({ kind: 'reply', id: req.id, ok: true, value }),
    (err: unknown) => post({ kind: 'reply', id: req.id, ok: false, error: serializeError(err) }),
  );
});
