/**
 * N console connections in a worker thread, so decoding their traffic does not stall the load
 * generator's event loop (and its timestamps). Reports latencies measured against server times.
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
}

if (parentPort && workerData) {
  const { base, token, consoles, probeUnit, positions } = workerData as SwarmInput;
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
  let incidentDeliveries = 0;
  let connected = 0;
  let probeNum = -1;
  for (let c = 0; c < consoles; c++) {
    const s = io(`${base}/console`, { auth: { token, positions }, transports: ['websocket'] });
    s.on('coverage.updated', (c: { computedAt: string; tookMs: number }) => {
      coverageAges.push(Date.now() - Date.parse(c.computedAt));
      if (sockets[0] === s) coverageTookMs.push(c.tookMs);
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
      const now = Date.now();
      for (const p of ps)
        if (p.unitId === probeUnit) positionLatencies.push(now - Date.parse(p.at));
    });
    s.on('units.positions.packed', (frame: Buffer) => {
      positionMessages++;
      const now = Date.now();
      // every record is decoded, as a console does to draw them
      decodePositionFrame(frame, (num, _lon, _lat, atMs) => {
        if (num === probeNum) positionLatencies.push(now - atMs);
      });
    });
    s.once('sync', (snap: { units: { id: string; num: number }[] }) => {
      probeNum = snap.units.find((u) => u.id === probeUnit)?.num ?? probeNum;
      connected++;
      if (connected === consoles) port.postMessage({ type: 'ready' });
    });
    sockets.push(s);
  }
  port.on('message', (m: { type: string }) => {
    if (m.type !== 'stop') return;
    for (const s of sockets) s.close();
    const spread = [...perIncident.values()];
    port.postMessage({
      type: 'result',
      incidentLatencies,
      incidentFirstLatencies: spread.map((x) => x.first),
      incidentSpreads: spread.map((x) => x.last - x.first),
      positionLatencies,
      positionMessages,
      incidentDeliveries,
      receipts: [...receipts.entries()],
      coverageAges,
      coverageTookMs,
    });
  });
}
