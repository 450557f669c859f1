import {
  parentPort,
  receiveMessageOnPort,
  workerData,
  type MessagePort,
} from 'node:worker_threads';
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
if (!parentPort) throw new Error('pglite.worker runs only as a worker thread');
const port: MessagePort = parentPort;
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

/** When the caller sent a request, on this thread's `performance.now()` clock (never after now). */
const sentHere = (req: PGliteThreadRequest) =>
  Math.min(req.sentAt - performance.timeOrigin, performance.now());

/**
 * Queues the requests that arrived while a statement ran, before its turn passes on. A statement
 * holds this thread (PGlite runs it synchronously), so a 110 call's statement sent meanwhile sits
 * in the port; the next turn is granted in the same tick the statement ends, so without this it
 * went to the next position part already queued, and to the one after it (measured at the peak:
 * an incident's insert waited for five 170 ms parts in a row while interactive went first only on
 * paper). Their turns are taken at once (`answer` queues synchronously), so the lock sees them.
 */
function takeArrived() {
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port))
    onRequest(m.message as PGliteThreadRequest);
}

/**
 * Runs a statement in its turn, and tells how long it waited for it (from the caller's send) and
 * ran.
 */
function inTurn<T>(
  req: Extract<PGliteThreadRequest, { turn: Turn }>,
  run: () => Promise<T>,
): Promise<T> {
  const { turn, op } = req;
  const arrived = sentHere(req);
  const timed = async () => {
    const started = performance.now();
    try {
      return await run();
    } finally {
      timing({
        turn: 'priority' in turn ? turn.priority : 'held',
        op,
        waitMs: started - arrived,
        runMs: performance.now() - started,
      });
      // before the lock hands the session on (this runs ahead of lock.run's release)
      takeArrived();
    }
  };
  if ('priority' in turn) return lock.run(timed, turn.priority);
  if (!holds.has(turn.hold)) return Promise.reject(new Error('the session is not held'));
  return timed();
}

/**
 * A request answered. Its turn is queued synchronously (no await before `lock.acquire`), so a
 * request taken by `takeArrived` is in the queue before the session is handed on.
 */
function answer(req: PGliteThreadRequest): Promise<unknown> {
  if (!session) {
    return ready.then(() => {
      if (!session) throw new Error('the embedded database did not open');
      return answerOpen(req, session);
    });
  }
  return answerOpen(req, session);
}

async function answerOpen(req: PGliteThreadRequest, s: PGliteSession): Promise<unknown> {
  switch (req.op) {
    case 'query':
      return inTurn(req, () => open().query(req.sql, req.params, req.parsers));
    case 'exec':
      return inTurn(req, () => open().exec(req.sql, req.parsers));
    case 'copyIn':
      return inTurn(req, () => open().copyIn(req.copy));
    case 'hold': {
      const asked = sentHere(req);
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
        takeArrived();
        h.release();
        timing({ turn: h.turn, op: 'held', waitMs: 0, runMs: performance.now() - h.grantedAt });
      }
      return null;
    }
    case 'ping':
      return s.ping();
    case 'close': {
      session = null;
      await s.close();
      return null;
    }
  }
}

function onRequest(req: PGliteThreadRequest) {
  answer(req).then(
    (value) => post({ kind: 'reply', id: req.id, ok: true, value }),
    (err: unknown) => post({ kind: 'reply', id: req.id, ok: false, error: serializeError(err) }),
  );
}

port.on('message', onRequest);
