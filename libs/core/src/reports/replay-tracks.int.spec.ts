import { mulberry32 } from '@ringcad/routing';
import { sql } from 'kysely';
import type { DatabaseHandle } from '@ringcad/db';
import { openTestDatabase, TEST_DB_MODE as mode } from '../../../../test/support/test-database';
import {
  dueReplayChunks,
  rebuildDueReplayChunks,
  rebuildReplayChunk,
  type Box,
} from './replay.queries';
import { columnarTrackPoints } from '@ringcad/contracts';
import { decodedBinary } from './replay-binary.fixture';
import {
  columnarTrack,
  columnarTrackJson,
  plainTrackPoints,
  replayTracks,
  trackPoints,
  type ReplayPoint,
  type ReplayTracks,
  type TrackColumns,
} from './replay-tracks';

/**
 * The stored replay chunks (unit_track_replay, migration 0026) against the raw tracks: for every
 * step and window, replayTracks must give exactly the points the oracle computes here from the
 * raw rows (first plausible point of each unit's step in the window, kept when inside the box):
 * with every chunk dirty (all raw), after the chunks were built, and after a late point made one
 * chunk dirty again. Tracks have irregular, sub-millisecond times, jump-flagged points, and units
 * that cross the box's edge.
 */

const BASE_MS = Date.parse('2025-06-01T02:00:00Z');
const UNITS = 24;
const MINUTES = 40;
const BOX: Box = { w: 104.05, s: 30.6, e: 104.07, n: 30.62 };

interface RawPoint {
  unit: string;
  us: number;
  lon: number;
  lat: number;
  flags: number;
}

const unitId = (i: number) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`;

/** The oracle: from the raw rows, in plain code. */
function expected(
  raw: readonly RawPoint[],
  box: Box,
  fromMs: number,
  toMs: number,
  stepSec: number,
) {
  const sorted = [...raw].sort((a, b) =>
    a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : a.us - b.us,
  );
  const out = new Map<string, ReplayPoint[]>();
  const seen = new Set<string>();
  for (const p of sorted) {
    if (p.flags & 1 || p.us < fromMs * 1000 || p.us >= toMs * 1000) continue;
    const step = `${p.unit}:${Math.floor(p.us / (stepSec * 1e6))}`;
    if (seen.has(step)) continue;
    seen.add(step);
    if (p.lon < box.w || p.lon > box.e || p.lat < box.s || p.lat > box.n) continue;
    let list = out.get(p.unit);
    if (!list) out.set(p.unit, (list = []));
    list.push([p.lon, p.lat, p.us / 1000]);
  }
  return out;
}

const asObject = (m: Map<string, ReplayPoint[]>) =>
  Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
/** replayTracks' columns as points, per unit. */
const pointsByUnit = (got: ReplayTracks) =>
  new Map([...got.byUnit].map(([unit, c]) => [unit, trackPoints(c)]));

describe(`area replay from stored track chunks (${mode})`, () => {
  let handle: DatabaseHandle;
  let closeDatabase: (() => Promise<void>) | undefined;
  let raw: RawPoint[] = [];

  const insert = async (points: readonly RawPoint[]) => {
    await sql`
      INSERT INTO unit_tracks (unit_id, at, lon, lat, speed_kmh, heading_deg, flags, received_at)
      SELECT u, to_timestamp(us / 1000000.0), lon, lat, 30, 0, f, now()
      FROM unnest(${points.map((p) => p.unit)}::uuid[], ${points.map((p) => p.us)}::bigint[],
        ${points.map((p) => p.lon)}::float8[], ${points.map((p) => p.lat)}::float8[],
        ${points.map((p) => p.flags)}::smallint[]) AS x(u, us, lon, lat, f)`.execute(handle.db);
  };
  /** The rows as stored (the µs PostgreSQL kept). */
  const readRaw = async () => {
    const r = await sql<{ unit: string; us: number; lon: number; lat: number; flags: number }>`
      SELECT unit_id AS unit, (extract(epoch FROM at) * 1000000)::float8 AS us, lon, lat, flags
      FROM unit_tracks`.execute(handle.db);
    return r.rows.map((x) => ({ ...x, us: Number(x.us), flags: Number(x.flags) }));
  };
  const sweepAll = () => rebuildDueReplayChunks(handle.db, new Date(BASE_MS + 86_400_000), 1000);
  const dirtyCount = async () =>
    Number(
      (
        await sql<{ n: number }>`SELECT count(*)::int AS n FROM unit_track_replay_dirty`.execute(
          handle.db,
        )
      ).rows[0].n,
    );

  const WINDOWS: [string, number, number][] = [
    ['whole, aligned', BASE_MS, BASE_MS + MINUTES * 60_000],
    ['unaligned edges', BASE_MS + 7_321, BASE_MS + 31 * 60_000 + 12_345],
    ['inside one chunk', BASE_MS + 61_000, BASE_MS + 119_999],
    ['half a step', BASE_MS + 301_000, BASE_MS + 308_000],
  ];
  const STEPS = [15, 30, 60, 300, 600, 45, 1, 7];

  const checkAll = async () => {
    let chunks = 0;
    for (const [name, fromMs, toMs] of WINDOWS)
      for (const step of STEPS) {
        const got = await replayTracks(handle.db, BOX, new Date(fromMs), new Date(toMs), step);
        chunks += got.chunks;
        expect({ name, step, units: asObject(pointsByUnit(got)) }).toEqual({
          name,
          step,
          units: asObject(expected(raw, BOX, fromMs, toMs, step)),
        });
        expect(got.points).toBe([...got.byUnit.values()].reduce((n, l) => n + l.ms.length, 0));
        // the answer's two forms (format=points and format=columnar) carry the same numbers
        for (const [unit, c] of got.byUnit)
          expect({ name, step, unit, points: columnarTrackPoints(columnarTrack(c)) }).toEqual({
            name,
            step,
            unit,
            points: plainTrackPoints(c),
          });
        // the columnar answer joining stored columnar chunks (0031) prints the same text
        const joined = await replayTracks(handle.db, BOX, new Date(fromMs), new Date(toMs), step, {
          columnar: 'text',
        });
        expect(joined.points).toBe(got.points);
        expect([...joined.byUnit.keys()].sort()).toEqual([...got.byUnit.keys()].sort());
        for (const [unit, c] of got.byUnit)
          expect({
            name,
            step,
            unit,
            json: columnarTrackJson(
              joined.byUnit.get(unit) as TrackColumns,
              joined.columnarChunks.get(unit),
            ),
          }).toEqual({ name, step, unit, json: JSON.stringify(columnarTrack(c)) });
        // the binary answer copying stored binary chunks (0035) decodes to the same points
        const bytes = await replayTracks(handle.db, BOX, new Date(fromMs), new Date(toMs), step, {
          columnar: 'binary',
        });
        expect(bytes.points).toBe(got.points);
        expect(decodedBinary(bytes, fromMs)).toEqual(
          new Map([...got.byUnit].map(([u, c]) => [u, plainTrackPoints(c)])),
        );
      }
    return chunks;
  };

  beforeAll(async () => {
    ({ handle, close: closeDatabase } = await openTestDatabase('replaytracks'));
    const rand = mulberry32(16);
    const points: RawPoint[] = [];
    for (let u = 0; u < UNITS; u++) {
      // around the box's south-west corner: some units cross its edges, some stay out
      let lon = BOX.w - 0.004 + rand() * 0.012;
      let lat = BOX.s - 0.004 + rand() * 0.012;
      let us = BASE_MS * 1000 + Math.floor(rand() * 5e6);
      while (us < (BASE_MS + MINUTES * 60_000) * 1000) {
        lon += (rand() - 0.5) * 0.0008;
        lat += (rand() - 0.5) * 0.0008;
        const jump = rand() < 0.03;
        points.push({
          unit: unitId(u),
          us,
          lon: jump ? lon + 0.3 : lon,
          lat,
          flags: jump ? 1 : 0,
        });
        // every 1–9 s, some units pausing for minutes
        us += Math.floor((rand() < 0.01 ? 200 : 1 + rand() * 8) * 1e6 + rand() * 1000);
      }
    }
    await insert(points);
    raw = await readRaw();
  }, 120_000);

  afterAll(async () => {
    await closeDatabase?.();
  });

  it('reads the raw tracks while every chunk is dirty', async () => {
    expect(await dirtyCount()).toBeGreaterThan(0);
    expect(await checkAll()).toBe(0);
  });

  it('gives the same points from the built chunks, raw only for a part step', async () => {
    // the processors rebuild closed chunks only: one that ends after the cut-off stays dirty
    const dirty = await dirtyCount();
    expect(await rebuildDueReplayChunks(handle.db, new Date(BASE_MS + 600_000), 1000)).toBe(2);
    expect(await dirtyCount()).toBe(dirty - 2);
    await checkAll();
    expect(await sweepAll()).toBeGreaterThanOrEqual(MINUTES / 5 - 2);
    expect(await dirtyCount()).toBe(0);
    expect(await checkAll()).toBeGreaterThan(0);
    const whole = await replayTracks(
      handle.db,
      BOX,
      new Date(BASE_MS),
      new Date(BASE_MS + MINUTES * 60_000),
      15,
    );
    expect(whole.rawRanges).toEqual([]);
    expect(whole.chunks).toBeGreaterThan(0);
    const unaligned = await replayTracks(
      handle.db,
      BOX,
      new Date(BASE_MS + 7_321),
      new Date(BASE_MS + 600_000),
      15,
    );
    expect(unaligned.rawRanges).toEqual([[new Date(BASE_MS + 7_321), new Date(BASE_MS + 15_000)]]);
  });

  it('reads a chunk raw again after a late point, until it is rebuilt', async () => {
    // earlier than every point of its step: the first of the step changes
    const late = raw
      .filter((p) => p.us > (BASE_MS + 600_000) * 1000 && !(p.flags & 1))
      .sort((a, b) => a.us - b.us)[0];
    const stepStart = Math.floor(late.us / 15e6) * 15e6;
    await insert([{ ...late, us: stepStart, lon: BOX.w + 0.001, lat: BOX.s + 0.001, flags: 0 }]);
    raw = await readRaw();
    expect(await dirtyCount()).toBe(1);
    const got = await replayTracks(
      handle.db,
      BOX,
      new Date(BASE_MS),
      new Date(BASE_MS + MINUTES * 60_000),
      15,
    );
    expect(got.rawRanges).toHaveLength(1);
    expect(got.byUnit.get(late.unit)?.ms.some((ms) => ms === stepStart / 1000)).toBe(true);
    await checkAll();
    expect(await sweepAll()).toBe(1);
    expect(await dirtyCount()).toBe(0);
    await checkAll();
  });

  it('clears a mark only for the generation it rebuilt', async () => {
    const p = raw.find((x) => x.us > (BASE_MS + 1_200_000) * 1000) as RawPoint;
    await insert([{ ...p, us: p.us + 1 }]);
    const [due] = await dueReplayChunks(handle.db, new Date(BASE_MS + 86_400_000), 10);
    // a point lands after the generation was read: the rebuild must not clear its mark
    await insert([{ ...p, us: p.us + 2 }]);
    await handle.db.transaction().execute((tx) => rebuildReplayChunk(tx, due.chunk_start, due.gen));
    expect(await dirtyCount()).toBe(1);
    raw = await readRaw();
    await checkAll();
  });
});
