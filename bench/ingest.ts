/**
 * Ingest to saturation (#16): position intake is ramped until the server falls behind, for
 * batches (`POST /api/v1/units/positions`, 5,000 a request, as an AVL gateway sends them) and
 * for single terminal reports over the `/terminal` socket (one report, one ack, as a 警务通
 * sends it). Every accepted report is then counted in the database: `lost` = accepted −
 * persisted after the drain. Embedded mode, and services mode when DATABASE_URL and REDIS_URL
 * are set. Prints and writes bench/results/ingest.json; asserts nothing.
 *
 * A step "keeps up" when it accepted ≥ 95 % of what was offered, its answers came no more than
 * 1 s after the step's end, and what was accepted was in the database within 2 s after that. The saturation figure is the highest accepted
 * rate of a step that kept up. The load generator runs in this process, on the same 2 cores
 * as the api, worker and databases: the figure is what this machine as a whole sustains.
 *
 * Knobs: BENCH_MODES (embedded,services), BENCH_STEP_SEC (8), BENCH_UNITS (2000),
 * BENCH_TERMINALS (as many as units; each waits for its ack before its next report).
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { writeResult } from './lib/bench-utils';
import { adminToken, api, percentile, startStack, type BenchMode } from './lib/stack-process';

const STEP_SEC = Number(process.env.BENCH_STEP_SEC ?? 8);
const UNITS = Number(process.env.BENCH_UNITS ?? 2000);
const TERMINALS = Number(process.env.BENCH_TERMINALS ?? UNITS);
const BATCH = 5000;
const BATCH_STEPS = [10_000, 20_000, 40_000, 60_000, 80_000, 100_000, 130_000, 160_000];
const SINGLE_STEPS = [250, 500, 1000, 2000, 3000, 4000, 6000, 8000];
const CENTER = { lon: 104.066, lat: 30.657 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Step {
  offeredPerSec: number;
  acceptedPerSec: number;
  refused: number;
  /** ms after the step's end until everything accepted was in the database (null: > 2 s). */
  persistedWithinMs: number | null;
  keptUp: boolean;
  ackP99Ms?: number | null;
}

async function runMode(mode: BenchMode) {
  const stack = await startStack(mode, { POSITION_STALE_SEC: '600' });
  try {
    const base = stack.base;
    const admin = await adminToken(stack);
    const units: { id: string; token: string; lon: number; lat: number }[] = [];
    for (let i = 0; i < UNITS; i += 8) {
      await Promise.all(
        Array.from({ length: Math.min(8, UNITS - i) }, async (_, k) => {
          const n = i + k;
          const r = await api(base, 'POST', '/api/v1/units', admin, {
            callsign: `I-${n}`,
            kind: 'patrol_car',
          });
          units[n] = {
            id: r.body.unit.id,
            token: r.body.terminalToken,
            lon: CENTER.lon + ((n % 50) - 25) * 0.002,
            lat: CENTER.lat + (Math.floor(n / 50) - 20) * 0.002,
          };
        }),
      );
    }
    const trackRows = async () =>
      (await api<{ trackRows: number }>(base, 'GET', '/api/v1/system/status', admin)).body
        .trackRows;
    let accepted = 0;
    /** Every report's (unit, time) is unique: time advances 1 ms per report of a unit. */
    let seq = 0;
    const baseAt = Date.now() - 50 * 60_000; // within MAX_POSITION_AGE_SEC (1 h)
    const report = (n: number, round = Math.floor(n / units.length)) => {
      const u = units[n % units.length];
      return {
        lon: u.lon + Math.sin(round / 50) * 1e-4,
        lat: u.lat + Math.cos(round / 50) * 1e-4,
        at: new Date(baseAt + round).toISOString(),
        speedKmh: 20,
      };
    };

    /** Waits until the database holds everything accepted; ms, or null after `limitMs`. */
    const persistedWithin = async (limitMs: number): Promise<number | null> => {
      const t0 = Date.now();
      for (;;) {
        if ((await trackRows()) >= accepted) return Date.now() - t0;
        if (Date.now() - t0 > limitMs) return null;
        await sleep(100);
      }
    };

    /** A step's figures once its answers are in; it kept up when the database has them too. */
    const endStep = async (
      rate: number,
      start: number,
      stepAccepted: number,
      refused: number,
    ): Promise<Step> => {
      const elapsed = (Date.now() - start) / 1000;
      accepted += stepAccepted;
      const within = await persistedWithin(2000);
      return {
        offeredPerSec: rate,
        acceptedPerSec: Math.round(stepAccepted / elapsed),
        refused,
        persistedWithinMs: within,
        keptUp:
          stepAccepted >= 0.95 * rate * STEP_SEC && elapsed <= STEP_SEC + 1 && within !== null,
      };
    };

    // batches, ramped
    const batchSteps: Step[] = [];
    for (const rate of BATCH_STEPS) {
      let stepAccepted = 0;
      let refused = 0;
      let sent = 0;
      const start = Date.now();
      const end = start + STEP_SEC * 1000;
      const inFlight = new Set<Promise<void>>();
      const send = async () => {
        const positions = [];
        for (let k = 0; k < BATCH; k++) {
          const n = seq++;
          positions.push({ unitId: units[n % units.length].id, ...report(n) });
        }
        const r = await api(base, 'POST', '/api/v1/units/positions', admin, { positions });
        if (r.status === 202) stepAccepted += positions.length;
        else refused += positions.length;
      };
      while (Date.now() < end) {
        const due = ((Date.now() - start) / 1000) * rate;
        if (sent < due && inFlight.size < 4) {
          sent += BATCH;
          const p = send().finally(() => inFlight.delete(p));
          inFlight.add(p);
        } else await Promise.race([...inFlight, sleep(2)]);
      }
      await Promise.all(inFlight);
      const step = await endStep(rate, start, stepAccepted, refused);
      batchSteps.push(step);
      console.log(`${mode} batches`, JSON.stringify(step));
      if (!step.keptUp) break;
    }
    await persistedWithin(120_000);

    // single reports over the terminal socket, ramped
    const sockets: Socket[] = await Promise.all(
      units.slice(0, TERMINALS).map(
        (u) =>
          new Promise<Socket>((resolve, reject) => {
            const s = io(`${base}/terminal`, {
              auth: { token: u.token },
              transports: ['websocket'],
              reconnection: false,
            });
            s.once('connect', () => resolve(s));
            s.once('connect_error', reject);
          }),
      ),
    );
    const singleSteps: Step[] = [];
    const terminalRounds = new Int32Array(sockets.length);
    for (const rate of SINGLE_STEPS) {
      let acked = 0;
      let refused = 0;
      let sent = 0;
      const ackMs: number[] = [];
      const outstanding = new Set<number>();
      const start = Date.now();
      const end = start + STEP_SEC * 1000;
      while (Date.now() < end) {
        const due = ((Date.now() - start) / 1000) * rate;
        // a terminal sends its next report only after the last was acknowledged
        for (let k = 0; sent < due && k < sockets.length; k++) {
          const t = sent % sockets.length;
          if (outstanding.has(t)) break;
          outstanding.add(t);
          // the unit is the socket's; its times are unique (25 min after the batches' times)
          const round = 1_500_000 + terminalRounds[t]++;
          const t0 = performance.now();
          sockets[t].emit('position', report(t, round), (r: { ok: boolean }) => {
            outstanding.delete(t);
            ackMs.push(performance.now() - t0);
            if (r.ok) acked++;
            else refused++;
          });
          sent++;
        }
        await sleep(1);
      }
      for (let w = 0; outstanding.size && w < 5000; w += 10) await sleep(10);
      const step = {
        ...(await endStep(rate, start, acked, refused)),
        ackP99Ms: percentile(ackMs, 0.99),
      };
      singleSteps.push(step);
      console.log(`${mode} single reports`, JSON.stringify(step));
      if (!step.keptUp) break;
    }
    for (const s of sockets) s.disconnect();
    await persistedWithin(120_000);
    const persisted = await trackRows();
    const best = (steps: Step[]) =>
      Math.max(0, ...steps.filter((s) => s.keptUp).map((s) => s.acceptedPerSec));
    return {
      saturationPerSec: best(batchSteps),
      maxAcceptedPerSec: Math.max(0, ...batchSteps.map((s) => s.acceptedPerSec)),
      singleReportsPerSec: best(singleSteps),
      accepted,
      persisted,
      lost: accepted - persisted,
      batchSteps,
      singleSteps,
      units: UNITS,
      terminals: TERMINALS,
      stepSec: STEP_SEC,
      topology: mode === 'services' ? 'one api + worker' : 'one process',
    };
  } finally {
    await stack.stop();
  }
}

async function main() {
  const modes = (
    process.env.BENCH_MODES ??
    (process.env.DATABASE_URL && process.env.REDIS_URL ? 'embedded,services' : 'embedded')
  ).split(',') as BenchMode[];
  const out: Record<string, unknown> = {};
  for (const m of modes)
    out[m] = { ...(await runMode(m)), at: new Date().toISOString(), loadavg: loadavg() };
  // a run of one mode keeps the other mode's figures from the file (each says when it ran)
  const file = resolve(process.cwd(), 'bench/results/ingest.json');
  const before = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)
    : {};
  const kept = Object.fromEntries(
    (['services', 'embedded'] as const)
      .filter((m) => !(m in out) && before[m])
      .map((m) => [m, before[m]]),
  );
  writeResult('ingest', {
    ...kept,
    ...out,
    inClock:
      'batches: from the generator sending a 5,000-position request to its 202, rate over the step; single reports: from emit to the socket ack; persisted = track rows counted through GET /system/status after the step; the generator shares the 2 cores with the api, worker and databases',
  });
}

if (require.main === module)
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
