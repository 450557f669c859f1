/**
 * N console connections in a worker thread, so decoding their traffic does not stall the load
 * generator's event loop (and its timestamps). Each console behaves as the real one does: if no
 * `sync` comes within a while after (re)connecting it asks again (`sync.request`) with backoff,
 * and a console given a viewport sends it (`positions.viewport`) on every connect.
 * Messages to the parent: `ready` once every console has its snapshot, `status` when asked.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { io, type Socket } from 'socket.io-client';
import { decodePositionFrame } from '@ringcad/domain';

interface SwarmInput {
  base: string;
  token: string;
  consoles: number;
  probeUnit: string;
  /** 'packed' (what the console asks for) or 'json' (the contract's array). */
  positions: 'packed' | 'json';
  /** Per console, the [w, s, e, n] box its map shows, or null for the whole city. */
  viewports?: ([number, number, number, number] | null)[];
}

const SYNC_RETRY_FIRST_MS = 8000;
const SYNC_RETRY_MAX_MS = 60_000;

if (parentPort && workerData) {
  const { base, token, consoles, probeUnit, positions, viewports } = workerData as SwarmInput;
  const port = parentPort;
  const sockets: Socket[] = [];
  const incidentLatencies: number[] = [];
  /** Per incident, its first and last receipt latency among the consoles. */
  const perIncident = new Map<string, { first: number; last: number }>();
  const positionLatencies: number[] = [];
  /** Per incident, when (Date.now() of this process) each console had it: for the client's clock. */
  const receipts = new Map<string, number[]>();
  /** Age of each pushed coverage when a console got it (receipt − computedAt). */
  const coverageAges: number[] = [];
  const coverageTookMs: number[] = [];
  let positionMessages = 0;
  let positionRecords = 0;
  let positionBytes = 0;
  let incidentDeliveries = 0;
  let syncRequests = 0;
  let reconnects = 0;
  const connectErrors: string[] = [];
  const synced = new Set<number>();
  let probeNum = -1;
  for (let c = 0; c < consoles; c++) {
    const s = io(`${base}/console`, { auth: { token, positions }, transports: ['websocket'] });
    const viewport = viewports?.[c];
    let syncTimer: NodeJS.Timeout | undefined;
    const awaitSync = (waitMs: number) => {
      clearTimeout(syncTimer);
      syncTimer = setTimeout(() => {
        if (!s.connected) return;
        syncRequests++;
        s.emit('sync.request');
        awaitSync(Math.min(waitMs * 2, SYNC_RETRY_MAX_MS));
      }, waitMs);
    };
    let connects = 0;
    s.on('connect', () => {
      if (connects++) reconnects++;
      awaitSync(SYNC_RETRY_FIRST_MS);
      if (viewport !== undefined) s.emit('positions.viewport', viewport);
    });
    s.on('disconnect', () => clearTimeout(syncTimer));
    let refusedHandshakes = 0;
    s.on('connect_error', (err: Error) => {
      if (connectErrors.length < 20) connectErrors.push(err.message);
      // a handshake the server refused (UNAVAILABLE: its database was busy) is not retried by
      // socket.io itself: the console tries again with backoff, as the real one does
      if (!s.active && err.message !== 'UNAUTHENTICATED')
        setTimeout(() => s.connect(), Math.min(500 * 2 ** refusedHandshakes++, 30_000));
    });
    s.on('coverage.updated', (cov: { computedAt: string; tookMs: number }) => {
      coverageAges.push(Date.now() - Date.parse(cov.computedAt));
      if (sockets[0] === s) coverageTookMs.push(cov.tookMs);
    });
    s.on('incident.created', (inc: { id: string; createdAt: string }) => {
      incidentDeliveries++;
      const got = Date.now();
      const list = receipts.get(inc.id);
      if (list) list.push(got);
      else receipts.set(inc.id, [got]);
      const ms = got - Date.parse(inc.createdAt);
      incidentLatencies.push(ms);
      const cur = perIncident.get(inc.id);
      perIncident.set(inc.id, {
        first: Math.min(cur?.first ?? ms, ms),
        last: Math.max(cur?.last ?? ms, ms),
      });
    });
    s.on('units.positions', (ps: { unitId: string; at: string; sentAt?: number }[]) => {
      positionMessages++;
      positionRecords += ps.length;
      const now = Date.now();
      for (const p of ps)
        if (p.unitId === probeUnit) positionLatencies.push(now - Date.parse(p.at));
    });
    s.on('units.positions.packed', (frame: Buffer) => {
      positionMessages++;
      positionBytes += frame.byteLength;
      const now = Date.now();
      // every record is decoded, as a console does to draw them
      positionRecords += decodePositionFrame(frame, (num, _lon, _lat, atMs) => {
        if (num === probeNum) positionLatencies.push(now - atMs);
      });
    });
    s.on('sync', (snap: { units: { id: string; num: number }[] }) => {
      clearTimeout(syncTimer);
      if (synced.has(c)) return;
      probeNum = snap.units.find((u) => u.id === probeUnit)?.num ?? probeNum;
      synced.add(c);
      if (synced.size === consoles) port.postMessage({ type: 'ready' });
    });
    sockets.push(s);
  }
  const status = () => ({
    synced: synced.size,
    connected: sockets.filter((s) => s.connected).length,
    syncRequests,
    reconnects,
    connectErrors,
  });
  port.on('message', (m: { type: string }) => {
    if (m.type === 'status') return port.postMessage({ type: 'status', ...status() });
    if (m.type !== 'stop') return;
    for (const s of sockets) s.close();
    const spread = [...perIncident.values()];
    port.postMessage({
      type: 'result',
      ...status(),
      incidentLatencies,
      incidentFirstLatencies: spread.map((x) => x.first),
      incidentSpreads: spread.map((x) => x.last - x.first),
      positionLatencies,
      positionMessages,
      positionRecords,
      positionBytes,
      incidentDeliveries,
      receipts: [...receipts.entries()],
      coverageAges,
      coverageTookMs,
    });
  });
}
