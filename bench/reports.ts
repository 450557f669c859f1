/**
 * Reports and replay benchmark (issue #6): response-time reports over a large history, incident
 * timelines, and a district-hour area replay, all through the public API.
 *
 * Services mode (when DATABASE_URL and REDIS_URL are set): the real api and worker as processes
 * (startStack) on a fresh database; 1,000,000 incidents generated with SQL generate_series.
 * Embedded mode: the api in this process on a fresh PGlite (one process owns a data directory),
 * 100,000 incidents. Bulk rows are loaded with triggers off and `rebuild_incident_metrics` run
 * once, as a bulk import would. Prints and writes bench/results/reports.json; asserts nothing.
 *
 * Real volume (#16): 5,000 units reporting every 5 s for the last hour (3.6 M track points);
 * every incident has its full event history (created, assigned, acknowledged, departed, arrived,
 * cleared per unit, closed); incidents run up to now, so the replayed district-hour holds
 * incidents too; and response times differ by district, category and priority (a slow
 * district, slow categories), so report groups have different distributions.
 *
 * Knobs: BENCH_INCIDENTS (1000000), BENCH_INCIDENTS_EMBEDDED (100000), BENCH_UNITS (5000),
 * BENCH_MODES (services,embedded), BENCH_REPLAY_ONLY (unset; set: only the district-hour replay is
 * measured, for iterating on it with fewer incidents: the figures are printed, and
 * bench/results/reports.json is left as it is).
 */
import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { sql } from 'kysely';
import { decodeBinaryReplay, decodeColumnarTrack, type ColumnarTrack } from '@ringcad/contracts';
import { AuthService, DatabaseService, loadConfig } from '@ringcad/core';
import { createApiApp } from '../apps/api/src/app';
import { writeResult } from './lib/bench-utils';
import { api, startStack, type BenchMode } from './lib/stack-process';

const INCIDENTS_SERVICES = Number(process.env.BENCH_INCIDENTS ?? 1_000_000);
const INCIDENTS_EMBEDDED = Number(process.env.BENCH_INCIDENTS_EMBEDDED ?? 100_000);
const UNITS = Number(process.env.BENCH_UNITS ?? 5000);
const PER_DAY = 30_000;
const GROUPS = ['district', 'station', 'category', 'priority', 'hour', 'day', 'unit'];
const CENTER = { lon: 104.066, lat: 30.657 };
/** Timed runs per report and of the replay (after one warm-up run each). */
const REPORT_RUNS = Number(process.env.BENCH_REPORT_RUNS ?? 10);
const REPLAY_RUNS = Number(process.env.BENCH_REPLAY_RUNS ?? 20);
const REPLAY_ONLY = Boolean(process.env.BENCH_REPLAY_ONLY);

/** Runs SQL against the mode's database: a pg client (services) or the in-process PGlite. */
type Exec = (text: string) => Promise<void>;
/** The server side's CPU time so far, in ms (see cpuProbe*). */
type CpuProbe = () => Promise<number>;

/** utime + stime of a process, in ms (clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0; // a backend that ended between listing and reading
  }
}

/**
 * Services: the api process and the database's connection backends (this bench's own excluded;
 * parallel workers, which live for one query, are not counted).
 */
function cpuProbeServices(client: Client): CpuProbe {
  const api = path.join(__dirname, '..', 'apps', 'api', 'src', 'main.js');
  const apiPids = fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(api);
      } catch {
        return false;
      }
    })
    .map(Number);
  return async () => {
    const r = await client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
    );
    return [...apiPids, ...r.rows.map((x) => x.pid)].reduce((s, pid) => s + processCpuMs(pid), 0);
  };
}

/** Embedded: this process (api, PGlite and the bench's client side together). */
const cpuProbeEmbedded: CpuProbe = async () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

interface ModeResult {
  incidents: number;
  assignments: number;
  trackPoints: number;
  loadSec: number;
  reportMs: Record<string, { p50: number; max: number; cpuP50: number; cpuMax: number }>;
  reportPercentiles: Record<string, string>;
  reportP50Ms: number;
  reportP99Ms: number;
  reportCpuP50Ms: number;
  reportCpuP99Ms: number;
  timelineP50Ms: number;
  timelineP99Ms: number;
  timelineCpuP50Ms: number;
  timelineCpuP99Ms: number;
  timelineEventsPerIncident: number;
  districtHourReplayMs: number;
  districtHourReplayP99Ms: number;
  districtHourReplayCpuMs: number;
  loadavgDuring: number[];
  districtHourReplayBytes: number;
  districtHourReplayPoints: number;
  /**
   * The binary form's clock in parts (p50 of each, ms): the server's reads (the head's tookMs:
   * from the request reaching the service to every read done), the response's headers and its
   * body read, each since the client's send; the rest to districtHourReplayMs is the decoding.
   */
  districtHourReplayParts: Record<string, number | null>;
  /** The columnar JSON form (format=columnar, the console's before the binary one), measured alike. */
  districtHourReplayColumnarMs: number;
  districtHourReplayColumnarCpuMs: number;
  districtHourReplayColumnarBytes: number;
  /** The plain form (format=points), measured alike. */
  districtHourReplayPlainMs: number;
  districtHourReplayPlainCpuMs: number;
  districtHourReplayPlainBytes: number;
}

const p = (values: number[], q: number) => {
  const s = [...values].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] * 10) / 10;
};

/**
 * Times one call (wall, and the server side's CPU read around it); a kept-alive socket the
 * server closed while we were loading data is retried once.
 */
async function timed<T>(
  fn: () => Promise<T>,
  cpu: CpuProbe,
): Promise<{ ms: number; cpuMs: number; value: T }> {
  for (let attempt = 0; ; attempt++) {
    const c0 = await cpu();
    const t0 = performance.now();
    try {
      const value = await fn();
      const ms = performance.now() - t0;
      return { ms, cpuMs: (await cpu()) - c0, value };
    } catch (err) {
      // undici's TypeError, or api()'s error wrapping it ("fetch failed")
      const reset =
        err instanceof TypeError || (err instanceof Error && /fetch failed/.test(err.message));
      if (attempt > 0 || !reset) throw err;
    }
  }
}

/** Districts and stations through the public API; a 2×2 grid of districts around the centre. */
async function places(base: string, admin: string) {
  const districts: string[] = [];
  const stations: string[] = [];
  for (let i = 0; i < 4; i++) {
    const w = CENTER.lon - 0.06 + (i % 2) * 0.06;
    const s = CENTER.lat - 0.06 + Math.floor(i / 2) * 0.06;
    const box = (x0: number, y0: number, dx: number, dy: number) => ({
      type: 'Polygon',
      coordinates: [
        [
          [x0, y0],
          [x0 + dx, y0],
          [x0 + dx, y0 + dy],
          [x0, y0 + dy],
          [x0, y0],
        ],
      ],
    });
    const d = await api(base, 'POST', '/api/v1/jurisdictions', admin, {
      name: `区${i + 1}`,
      kind: 'district',
      boundary: box(w, s, 0.06, 0.06),
    });
    districts.push(d.body.id);
    for (let k = 0; k < 2; k++) {
      const st = await api(base, 'POST', '/api/v1/jurisdictions', admin, {
        name: `区${i + 1}派出所${k + 1}`,
        kind: 'station',
        parentId: d.body.id,
        boundary: box(w + k * 0.03, s, 0.03, 0.06),
      });
      stations.push(st.body.id);
    }
  }
  return { districts, stations };
}

const arr = (ids: string[]) => `ARRAY[${ids.map((i) => `'${i}'::uuid`).join(',')}]`;

/** History, assignments and the last hour of tracks, all with generate_series. */
async function generate(exec: Exec, n: number, districts: string[], stations: string[]) {
  const days = Math.max(1, Math.ceil(n / PER_DAY));
  await exec(`SET session_replication_role = replica`);
  await exec(`
    INSERT INTO units (callsign, kind, station_id, status, terminal_token_hash, status_changed_at)
    SELECT 'BU-' || g, (ARRAY['patrol_car','patrol_car','patrol_car','foot','kiosk','motorcycle','station_car'])[1 + g % 7],
      (${arr(stations)})[1 + g % ${stations.length}], 'available', md5('bench-unit-' || g), now()
    FROM generate_series(1, ${UNITS}) g`);
  await exec(`
    INSERT INTO incidents (number, status, category, priority, scheme_id, location, district_id, station_id,
      received_at, created_at, dispatched_at, closed_at, version)
    SELECT 'B-' || g, 'closed',
      (ARRAY['criminal','public_order','traffic','fire','assistance','dispute','mass_incident','other'])[1 + g % 8],
      1 + (g * 7) % 3, '1-3-8',
      ST_SetSRID(ST_MakePoint(${CENTER.lon} - 0.06 + random() * 0.12, ${CENTER.lat} - 0.06 + random() * 0.12), 4326),
      (${arr(districts)})[1 + g % ${districts.length}], (${arr(stations)})[1 + g % ${stations.length}],
      t - interval '20 seconds', t, t + interval '1 minute', least(t + interval '1 hour', now()), 3
    FROM (SELECT g, now() - interval '5 minutes' - (g::float8 / ${n} * ${days} * interval '1 day') AS t
          FROM generate_series(1, ${n}) g) s`);
  // one or two units for 92% of incidents; some ack late or never, some never arrive
  await exec(`
    INSERT INTO assignments (incident_id, unit_id, role, status, assigned_at, acked_at, departed_at, arrived_at, cleared_at)
    SELECT x.id, u.id, CASE WHEN k = 1 THEN 'primary' ELSE 'reinforcement' END, 'cleared',
      x.a, CASE WHEN r1 < 0.9 THEN x.a + r2 * interval '60 seconds' END,
      x.a + (10 + r2 * 90) * interval '1 second',
      CASE WHEN r1 > 0.05 THEN x.a + (100 + r3 * 700) * interval '1 second' END,
      x.a + (1200 + r3 * 1800) * interval '1 second'
    FROM (SELECT i.id, i.created_at + (10 + random() * 200) * interval '1 second' AS a, random() AS r1, random() AS r2,
            -- uneven groups: the last district is 2.2× slower than the first, traffic and fire
            -- calls 1.5× slower, priority 1 faster
            random() * (1 + 0.4 * (array_position(${arr(districts)}, i.district_id) - 1))
              * CASE WHEN i.category IN ('traffic', 'fire') THEN 1.5 ELSE 1 END
              * CASE WHEN i.priority = 1 THEN 0.6 ELSE 1 END AS r3,
            (hashtext(i.id::text)::bigint & 2147483647) AS h
          FROM incidents i WHERE i.number LIKE 'B-%') x
    CROSS JOIN LATERAL generate_series(1, 1 + x.h % 2) k
    JOIN LATERAL (SELECT id FROM units WHERE callsign = 'BU-' || (1 + (x.h + k * 7919) % ${UNITS})) u ON true
    WHERE x.h % 25 <> 0`);
  // full histories: every incident's events as the system writes them, in order
  await exec(`
    INSERT INTO incident_events (incident_id, version, type, at, actor_kind, actor_id, actor_name, data)
    SELECT e.incident_id, row_number() OVER (PARTITION BY e.incident_id ORDER BY e.at, e.k)::int, e.type, e.at,
      e.actor_kind, NULL, e.actor_name, e.data
    FROM (
      SELECT i.id AS incident_id, 0 AS k, 'incident.created' AS type, i.created_at AS at, 'user' AS actor_kind,
        'bench-calltaker' AS actor_name, jsonb_build_object('category', i.category, 'priority', i.priority) AS data
      FROM incidents i WHERE i.number LIKE 'B-%'
      UNION ALL
      SELECT a.incident_id, s.k, s.type, s.at, s.actor_kind, s.actor_name,
        jsonb_build_object('assignmentId', a.id, 'unitId', a.unit_id)
      FROM assignments a
      CROSS JOIN LATERAL (VALUES
        (1, 'units.assigned', a.assigned_at, 'user', 'bench-dispatcher'),
        (2, 'assignment.ack', a.acked_at, 'unit', NULL),
        (3, 'assignment.depart', a.departed_at, 'unit', NULL),
        (4, 'assignment.arrive', a.arrived_at, 'unit', NULL),
        (5, 'assignment.clear', a.cleared_at, 'unit', NULL)
      ) AS s(k, type, at, actor_kind, actor_name)
      WHERE s.at IS NOT NULL
      UNION ALL
      SELECT i.id, 9, 'incident.closed', i.closed_at, 'user', 'bench-dispatcher',
        jsonb_build_object('disposition', 'handled_on_scene')
      FROM incidents i WHERE i.number LIKE 'B-%'
    ) e`);
  // the last hour: every unit reports every 5 s, wandering around its own spot; written in time
  // order, as ingest writes them (the track table's BRIN index on time relies on it)
  await exec(`SELECT ensure_track_partitions((now() AT TIME ZONE 'Asia/Shanghai')::date - 1, 3)`);
  await exec(`
    INSERT INTO unit_tracks (unit_id, at, lon, lat, speed_kmh, heading_deg, flags, received_at)
    SELECT u.id, date_trunc('second', now()) - s * interval '5 seconds',
      ${CENTER.lon} - 0.06 + ((hashtext(u.id::text)::bigint & 2147483647) % 1000) * 0.00012 + 0.002 * sin(s / 40.0),
      ${CENTER.lat} - 0.06 + ((hashtext(u.callsign)::bigint & 2147483647) % 1000) * 0.00012 + 0.002 * cos(s / 40.0),
      30, 0, CASE WHEN s % 97 = 0 THEN 1 ELSE 0 END, now()
    FROM generate_series(719, 0, -1) s CROSS JOIN units u WHERE u.callsign LIKE 'BU-%'
    ORDER BY s DESC`);
  await exec(`SET session_replication_role = DEFAULT`);
  await exec(`SELECT rebuild_incident_metrics('-infinity', 'infinity')`);
  // as a bulk import does: the settled incidents folded into the report pre-aggregates (per
  // incident attribute and per unit), and
  // the loaded hour of tracks into the stored replay chunks (the load bypassed their trigger)
  await exec(`SELECT rebuild_report_cells()`);
  await exec(
    `SELECT rebuild_unit_track_replay(now() - interval '2 hours', now() + interval '5 minutes')`,
  );
  // as after any bulk load: the rebuild rewrote every metrics row once (in_cells), and the
  // index of rows outside the cells must not lead through a million dead versions
  await exec(`VACUUM ANALYZE`);
}

async function measure(
  base: string,
  token: string,
  n: number,
  districtId: string,
  count: (q: string) => Promise<number>,
  loadSec: number,
  cpu: CpuProbe,
): Promise<ModeResult> {
  const loadBefore = os.loadavg()[0];
  const from = new Date(Date.now() - (Math.ceil(n / PER_DAY) + 1) * 86_400_000).toISOString();
  const to = new Date().toISOString();
  const reportMs: ModeResult['reportMs'] = {};
  const all: number[] = [];
  const allCpu: number[] = [];
  const run = async (label: string, url: string) => {
    const times: number[] = [];
    const cpus: number[] = [];
    for (let i = 0; i < REPORT_RUNS + 1; i++) {
      const r = await timed(() => api(base, 'GET', url, token), cpu);
      if (r.value.status !== 200)
        throw new Error(`${label}: ${r.value.status} ${JSON.stringify(r.value.body)}`);
      if (i === 0) {
        const how = (r.value.body as { percentiles?: { method: string } }).percentiles?.method;
        if (how) methods[label] = how;
        continue; // the first run warms the cache
      }
      times.push(r.ms);
      cpus.push(r.cpuMs);
    }
    reportMs[label] = {
      p50: p(times, 0.5),
      max: p(times, 1),
      cpuP50: p(cpus, 0.5),
      cpuMax: p(cpus, 1),
    };
    all.push(...times);
    allCpu.push(...cpus);
    console.log(
      `  ${label}: p50 ${reportMs[label].p50} ms, max ${reportMs[label].max} ms (CPU p50 ${reportMs[label].cpuP50} ms; percentiles ${methods[label] ?? '—'})`,
    );
  };
  const methods: Record<string, string> = {};
  if (!REPLAY_ONLY) {
    for (const g of GROUPS)
      await run(
        `response-times?groupBy=${g}`,
        `/api/v1/reports/response-times?from=${from}&to=${to}&groupBy=${g}`,
      );
    await run('laggards', `/api/v1/reports/laggards?from=${from}&to=${to}`);
  }

  const ids = REPLAY_ONLY
    ? []
    : (
        await api<{ id: string }[]>(base, 'GET', `/api/v1/incidents?status=all&limit=500`, token)
      ).body.map((i) => i.id);
  const tl: number[] = [];
  const tlCpu: number[] = [];
  let events = 0;
  for (const id of ids.slice(0, 200)) {
    const r = await timed(() => api(base, 'GET', `/api/v1/incidents/${id}/timeline`, token), cpu);
    tl.push(r.ms);
    tlCpu.push(r.cpuMs);
    events += (r.value.body as { events: unknown[] }).events.length;
  }
  console.log(
    `  timeline: p50 ${p(tl, 0.5)} ms, p99 ${p(tl, 0.99)} ms (CPU p50 ${p(tlCpu, 0.5)} ms), ${(events / Math.max(1, tl.length)).toFixed(1)} events each`,
  );

  // the hour the tracks cover (they end when they were written, and loading the rest took long
  // after: an hour back from now would hold only part of them)
  const tracksEndMs = await count(
    'SELECT (extract(epoch FROM max(at)) * 1000)::float8 AS n FROM unit_tracks',
  );
  const hourTo = new Date(tracksEndMs + 1000).toISOString();
  const hourFrom = new Date(tracksEndMs + 1000 - 3600_000).toISOString();
  const areaUrl = `${base}/api/v1/replay/area?districtId=${districtId}&from=${hourFrom}&to=${hourTo}&stepSec=15`;
  /**
   * One form of the district-hour replay, as a client reads it: fetch (which asks for gzip, as a
   * browser does), the whole answer read, and every track decoded into the arrays the console
   * draws from (apps/console/src/views/replay.ts): binary, its JSON head parsed and its sections
   * decoded; columnar, JSON.parse and each track decoded; plain, JSON.parse.
   */
  const replayRuns = async (format: 'binary' | 'columnar' | 'points') => {
    const ms: number[] = [];
    const cpuMs: number[] = [];
    // the binary form's parts of the clock, per run (ms since the send)
    const phases = {
      serverReadsMs: [] as number[],
      headersMs: [] as number[],
      bodyMs: [] as number[],
    };
    let bytes = 0;
    let points = 0;
    for (let i = 0; i < REPLAY_RUNS + 1; i++) {
      const r = await timed(async () => {
        const sent = performance.now();
        const res = await fetch(`${areaUrl}&format=${format}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        if (res.status !== 200) throw new Error(`replay: ${res.status} ${await res.text()}`);
        if (format === 'binary') {
          const headers = performance.now() - sent;
          const body = await res.arrayBuffer();
          const read = performance.now() - sent;
          const { head, tracks } = decodeBinaryReplay(body);
          const decoded = tracks.reduce((n, t) => n + t.t.length, 0);
          if (i > 0) {
            phases.serverReadsMs.push((head as unknown as { tookMs: number }).tookMs);
            phases.headersMs.push(headers);
            phases.bodyMs.push(read);
          }
          return { bytes: body.byteLength, points: head.points, decoded };
        }
        const text = await res.text();
        const body = JSON.parse(text) as {
          points: number;
          units: { track?: ColumnarTrack }[];
        };
        const decoded =
          format === 'columnar'
            ? body.units.reduce(
                (n, u) => n + decodeColumnarTrack(u.track as ColumnarTrack).t.length,
                0,
              )
            : body.points;
        return { bytes: text.length, points: body.points, decoded };
      }, cpu);
      if (r.value.decoded !== r.value.points)
        throw new Error(`replay ${format}: ${r.value.decoded} points decoded of ${r.value.points}`);
      if (i > 0) {
        ms.push(r.ms);
        cpuMs.push(r.cpuMs);
      }
      ({ bytes, points } = r.value);
    }
    const parts = Object.fromEntries(
      Object.entries(phases).map(([k, v]) => [k, v.length ? p(v, 0.5) : null]),
    );
    console.log(
      `  district-hour replay (format=${format}): p50 ${p(ms, 0.5)} ms (CPU p50 ${p(cpuMs, 0.5)} ms), ${points} points, ${bytes} bytes${format === 'binary' ? `; p50 of the server's reads (its tookMs) ${parts.serverReadsMs} ms, headers at ${parts.headersMs} ms, body read at ${parts.bodyMs} ms` : ''}`,
    );
    return { ms, cpuMs, bytes, points, parts };
  };
  // the console's form first (its figures are the headline), then the JSON forms beside it
  const binary = await replayRuns('binary');
  const columnar = await replayRuns('columnar');
  const plain = await replayRuns('points');
  if (columnar.points !== binary.points || plain.points !== binary.points)
    throw new Error(`replay forms disagree: ${binary.points}, ${columnar.points}, ${plain.points}`);
  return {
    incidents: await count('SELECT count(*)::int AS n FROM incidents'),
    assignments: await count('SELECT count(*)::int AS n FROM assignments'),
    trackPoints: await count('SELECT count(*)::int AS n FROM unit_tracks'),
    loadSec: Math.round(loadSec),
    reportMs,
    reportPercentiles: methods,
    reportP50Ms: p(all, 0.5),
    reportP99Ms: p(all, 0.99),
    reportCpuP50Ms: p(allCpu, 0.5),
    reportCpuP99Ms: p(allCpu, 0.99),
    timelineP50Ms: p(tl, 0.5),
    timelineP99Ms: p(tl, 0.99),
    timelineCpuP50Ms: p(tlCpu, 0.5),
    timelineCpuP99Ms: p(tlCpu, 0.99),
    timelineEventsPerIncident: Math.round((events / Math.max(1, tl.length)) * 10) / 10,
    districtHourReplayMs: p(binary.ms, 0.5),
    districtHourReplayP99Ms: p(binary.ms, 0.99),
    districtHourReplayCpuMs: p(binary.cpuMs, 0.5),
    loadavgDuring: [loadBefore, os.loadavg()[0]].map((v) => Math.round(v * 100) / 100),
    districtHourReplayBytes: binary.bytes,
    districtHourReplayPoints: binary.points,
    districtHourReplayParts: binary.parts,
    districtHourReplayColumnarMs: p(columnar.ms, 0.5),
    districtHourReplayColumnarCpuMs: p(columnar.cpuMs, 0.5),
    districtHourReplayColumnarBytes: columnar.bytes,
    districtHourReplayPlainMs: p(plain.ms, 0.5),
    districtHourReplayPlainCpuMs: p(plain.cpuMs, 0.5),
    districtHourReplayPlainBytes: plain.bytes,
  };
}

async function users(base: string, adminPassword: string) {
  const admin = (
    await api(base, 'POST', '/api/v1/auth/login', undefined, {
      username: 'admin',
      password: adminPassword,
    })
  ).body.accessToken as string;
  await api(base, 'POST', '/api/v1/users', admin, {
    username: 'bench-commander',
    password: 'bench-commander-pw',
    roles: ['commander'],
  });
  const commander = (
    await api(base, 'POST', '/api/v1/auth/login', undefined, {
      username: 'bench-commander',
      password: 'bench-commander-pw',
    })
  ).body.accessToken as string;
  return { admin, commander };
}

async function services(): Promise<ModeResult> {
  const url = new URL(process.env.DATABASE_URL as string);
  const listBench = async () => {
    const c = new Client({ connectionString: url.toString() });
    await c.connect();
    const r = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'ringcad_bench_%'`,
    );
    await c.end();
    return new Set(r.rows.map((x) => x.datname));
  };
  const before = await listBench();
  const stack = await startStack('services');
  try {
    // startStack names a fresh database; it is the one that was not there before
    const db = [...(await listBench())].find((d) => !before.has(d));
    if (!db) throw new Error('bench database not found');
    const u = new URL(url.toString());
    u.pathname = `/${db}`;
    const client = new Client({ connectionString: u.toString() });
    await client.connect();
    try {
      const { admin, commander } = await users(stack.base, stack.adminPassword);
      const { districts, stations } = await places(stack.base, admin);
      console.log(`services: generating ${INCIDENTS_SERVICES} incidents…`);
      const t0 = performance.now();
      await generate(
        (text) => client.query(text).then(() => undefined),
        INCIDENTS_SERVICES,
        districts,
        stations,
      );
      const loadSec = (performance.now() - t0) / 1000;
      console.log(`  loaded in ${Math.round(loadSec)} s`);
      return await measure(
        stack.base,
        commander,
        INCIDENTS_SERVICES,
        districts[0],
        async (q) => (await client.query<{ n: number }>(q)).rows[0].n,
        loadSec,
        cpuProbeServices(client),
      );
    } finally {
      await client.end();
    }
  } finally {
    await stack.stop();
  }
}

async function embedded(): Promise<ModeResult> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ringcad-bench-reports-'));
  const adminPassword = 'bench-admin-password';
  const config = loadConfig({
    DATA_DIR: dataDir,
    ADMIN_PASSWORD: adminPassword,
    PORT: '0',
    HOST: '127.0.0.1',
  });
  const app = await createApiApp(config, { logger: false });
  try {
    await app.get(AuthService).ensureAdmin(adminPassword, true);
    await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    const db = app.get(DatabaseService).db;
    const { admin, commander } = await users(base, adminPassword);
    const { districts, stations } = await places(base, admin);
    console.log(`embedded: generating ${INCIDENTS_EMBEDDED} incidents…`);
    const t0 = performance.now();
    await generate(
      (text) =>
        sql
          .raw(text)
          .execute(db)
          .then(() => undefined),
      INCIDENTS_EMBEDDED,
      districts,
      stations,
    );
    const loadSec = (performance.now() - t0) / 1000;
    console.log(`  loaded in ${Math.round(loadSec)} s`);
    return await measure(
      base,
      commander,
      INCIDENTS_EMBEDDED,
      districts[0],
      async (q) => (await sql.raw<{ n: number }>(q).execute(db)).rows[0].n,
      loadSec,
      cpuProbeEmbedded,
    );
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const wanted = (process.env.BENCH_MODES ?? 'services,embedded').split(',') as BenchMode[];
  const out = path.join(__dirname, '..', '..', 'bench', 'results', 'reports.json');
  // a run of one mode keeps the other mode's last figures (each mode says when it was measured);
  // read when writing, so that runs of the two modes side by side keep each other's
  const fresh: Partial<Record<BenchMode, ModeResult & { at?: string }>> = {};
  if (wanted.includes('services') && process.env.DATABASE_URL && process.env.REDIS_URL)
    fresh.services = { ...(await services()), at: new Date().toISOString() };
  if (wanted.includes('embedded'))
    fresh.embedded = { ...(await embedded()), at: new Date().toISOString() };
  let modes: Partial<Record<BenchMode, ModeResult & { at?: string }>> = {};
  try {
    modes = (JSON.parse(fs.readFileSync(out, 'utf8')) as { modes?: typeof modes }).modes ?? {};
  } catch {
    /* first run */
  }
  if (REPLAY_ONLY) {
    console.log('BENCH_REPLAY_ONLY: bench/results/reports.json left as it was');
    return;
  }
  modes = { ...modes, ...fresh };
  const head = modes.services ?? modes.embedded;
  const result = {
    incidents: head?.incidents ?? 0,
    reportP50Ms: head?.reportP50Ms ?? null,
    reportP99Ms: head?.reportP99Ms ?? null,
    reportCpuP99Ms: head?.reportCpuP99Ms ?? null,
    timelineP99Ms: head?.timelineP99Ms ?? null,
    timelineCpuP99Ms: head?.timelineCpuP99Ms ?? null,
    districtHourReplayMs: head?.districtHourReplayMs ?? null,
    districtHourReplayCpuMs: head?.districtHourReplayCpuMs ?? null,
    mode: modes.services ? 'services' : 'embedded',
    modes,
    inClock:
      'wall: from the client sending the GET to the last byte of the answer (HTTP, auth, SQL, JSON); each report run 11 times, the first (cache warm-up) left out; timeline: 200 recent incidents with full event histories; replay: one district, the hour of tracks (5,000 units every 5 s, ending when they were written; before 2026-12-06 the hour before measuring, which after a long load held only part of them), 15 s steps, 21 runs, the first left out (before 2026-12-07: 6); districtHourReplay* is the form the console reads (format=binary, since 2026-12-06; before it format=columnar), from the client sending the GET (fetch, asking for gzip as a browser does) to the answer read (arrayBuffer), its JSON head parsed and its int32 sections decoded into the typed arrays the console draws from; districtHourReplayColumnar* the columnar JSON form (format=columnar) from the send to JSON.parse and each unit track decoded, and districtHourReplayPlain* the plain form (format=points) from the send to JSON.parse, beside it; bytes are the decompressed answer (binary: head and sections; JSON: characters). CPU: the server side read around each call: services = the api process + the database connection backends (not short-lived parallel workers; 10 ms clock ticks), embedded = this whole process (api, PGlite and the bench client). Not in the clock: generating and loading the data, rebuilding incident_metrics, report_cells, report_unit_cells and the replay track chunks (unit_track_replay, unit_track_replay_bin, and from 2026-12-07 the hour runs of the units, unit_track_replay_run). districtHourReplayParts: the clock of the binary form in parts (p50 each, ms since the send): serverReadsMs the tookMs of the head (the service from the request to every read done), headersMs the headers of the response, bodyMs its body read; the rest of districtHourReplayMs is decoding. reportPercentiles says which reports read the pre-aggregates (histogram) and which the rows (exact). Load average: machine.loadavg at the end, loadavgDuring per mode (1-min, before and after measuring); the machine is shared with other benches',
  };
  writeResult(path.basename(out, '.json'), result);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
