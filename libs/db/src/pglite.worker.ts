import { parentPort, workerData } from 'node:worker_threads';
import { openPGliteWithPostgis } from './data-dir';
import { inProcessSession, serializeError, type PGliteSession } from './pglite-session';
import type {
  PGliteThreadReply,
  PGliteThreadRequest,
  StatementTiming,
  Turn,
} from './pglite-thread.messages';
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
/** Holds granted, by id: the release of the session's turn and when it was granted. */
const holds = new Map<
  number,
  { release: () => void; grantedAt: number; turn: StatementTiming['turn'] }
>();
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

const timing = (t: StatementTiming) => post({ kind: 'timing', timing: t });

/** Runs a statement in its turn, and tells how long it waited for it and ran. */
async function inTurn<T>(turn: Turn, op: StatementTiming['op'], run: () => Promise<T>): Promise<T> {
  const arrived = performance.now();
  let started = arrived;
  const timed = async () => {
    started = performance.now();
    try {
      return await run();
    } finally {
      timing({
        turn: 'priority' in turn ? turn.priority : 'held',
        op,
        waitMs: started - arrived,
        runMs: performance.now() - started,
      });
    }
  };
  if ('priority' in turn) return lock.run(timed, turn.priority);
  if (!holds.has(turn.hold)) throw new Error('the session is not held');
  return timed();
}

async function answer(req: PGliteThreadRequest): Promise<unknown> {
  await ready;
  if (!session) throw new Error('the embedded database did not open');
  switch (req.op) {
    case 'query':
      return inTurn(req.turn, 'query', () => open().query(req.sql, req.params, req.parsers));
    case 'exec':
      return inTurn(req.turn, 'exec', () => open().exec(req.sql, req.parsers));
    case 'copyIn':
      return inTurn(req.turn, 'copyIn', () => open().copyIn(req.copy));
    case 'hold': {
      const asked = performance.now();
      const release = await lock.acquire(req.priority);
      const grantedAt = performance.now();
      holds.set(req.id, { release, grantedAt, turn: req.priority });
      timing({ turn: req.priority, op: 'hold', waitMs: grantedAt - asked, runMs: 0 });
      return null;
    }
    case 'unhold': {
      const h = holds.get(req.hold);
      holds.delete(req.hold);
      if (h) {
        h.release();
        timing({ turn: h.turn, op: 'held', waitMs: 0, runMs: performance.now() - h.grantedAt });
      }
      return null;
    }
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
