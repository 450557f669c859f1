/**
 * N console connections in a worker thread, so decoding their traffic does not stall the load
 * generator's event loop (and its timestamps). Reports latencies measured against server times.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { io, type Socket } from 'socket.io-client';

interface SwarmInput {
  base: string;
  token: string;
  consoles: number;
  probeUnit: string;
}

if (parentPort && workerData) {
  const { base, token, consoles, probeUnit } = workerData as SwarmInput;
  const port = parentPort;
  const sockets: Socket[] = [];
  const incidentLatencies: number[] = [];
  const positionLatencies: number[] = [];
  let positionMessages = 0;
  let incidentDeliveries = 0;
  let connected = 0;
  for (let c = 0; c < consoles; c++) {
    const s = io(`${base}/console`, { auth: { token }, transports: ['websocket'] });
    s.on('incident.created', (inc: { createdAt: string }) => {
      incidentDeliveries++;
      incidentLatencies.push(Date.now() - Date.parse(inc.createdAt));
    });
    s.on('units.positions', (ps: { unitId: string; at: string; sentAt?: number }[]) => {
      positionMessages++;
      const now = Date.now();
      for (const p of ps) if (p.unitId === probeUnit) positionLatencies.push(now - Date.parse(p.at));
    });
    s.once('sync', () => {
      connected++;
      if (connected === consoles) port.postMessage({ type: 'ready' });
    });
    sockets.push(s);
  }
  port.on('message', (m: { type: string }) => {
    if (m.type !== 'stop') return;
    for (const s of sockets) s.close();
    port.postMessage({ type: 'result', incidentLatencies, positionLatencies, positionMessages, incidentDeliveries });
  });
}
