import { parentPort, workerData } from 'node:worker_threads';
import { openPGliteWithPostgis } from './data-dir';
import { inProcessSession, serializeError, type PGliteSession } from './pglite-session';
import type { PGliteThreadReply, PGliteThreadRequest } from './pglite-thread.messages';

/**
 * The embedded database's thread: PGlite (PostgreSQL compiled to WebAssembly) runs here, so its
 * statements execute beside the api's event loop instead of on it. Requests arrive in the order
 * the session lock granted them and are answered by id.
 */
const port = parentPort;
if (!port) throw new Error('pglite.worker runs only as a worker thread');
const post = (reply: PGliteThreadReply) => port.postMessage(reply);

let session: PGliteSession | null = null;
const ready = openPGliteWithPostgis((workerData as { dataDir: string }).dataDir).then(
  (pglite) => {
    session = inProcessSession(pglite);
    session.onNotification((channel, payload) => post({ kind: 'notify', channel, payload }));
    post({ kind: 'ready' });
  },
  (err: unknown) => post({ kind: 'failed', error: serializeError(err) }),
);

async function answer(req: PGliteThreadRequest): Promise<unknown> {
  await ready;
  if (!session) throw new Error('the embedded database did not open');
  switch (req.op) {
    case 'query':
      return session.query(req.sql, req.params, req.parsers);
    case 'exec':
      return session.exec(req.sql, req.parsers);
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
