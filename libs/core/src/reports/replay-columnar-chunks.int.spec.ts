import * as fs from 'node:fs';
import * as path from 'node:path';
import { sql } from 'kysely';
import type { DatabaseHandle } from '@ringcad/db';
import { generateCity, importGeoJsonRoads, importOsmXml, mulberry32 } from '@ringcad/routing';
import { openTestDatabase, TEST_DB_MODE as mode } from '../../../../test/support/test-database';
import { copyPackedChunk, readPackedChunk, type Box } from './replay.queries';
import { decodedBinary } from './replay-binary.fixture';
import {
  columnarTrack,
  columnarTrackJson,
  plainTrackPoints,
  replayTracks,
  storedPoints,
  type BinaryChunks,
  type ColumnarChunk,
  type TrackColumns,
} from './replay-tracks';

/**
 * The stored columnar form of the replay chunks (migration 0031) against the plain computation:
 * a columnar area replay that joins stored chunks (`replayTracks(…, { columnar: true })` and
 * `columnarTrackJson`) must give exactly the text `JSON.stringify(columnarTrack(points))` gives
 * for the points computed here from the raw rows, and the binary answer copying stored binary
 * chunks (migrations 0035, 0036: packed, `{ columnar: 'binary' }`), decoded as a client decodes
 * it, exactly the plain answer's points, and exactly the points form's (the chunks' 20-byte points
 * read point by point, no stored columnar part): with every chunk built, with points that arrive
 * late (their chunks read raw until rebuilt), and up to the live edge (a window ending just after
 * the last point, in a chunk that ends after it). Tracks run over the coordinates of the hard
 * synthetic city and of the two real cities (Chengdu OSM, Shenzhen GeoJSON; their 7-decimal
 * coordinates put many points on a half-millionth, where rounding could differ), with sub-ms
 * times, jump-flagged points, units crossing the box's edge and windows with unaligned edges.
 * The SQL rounding (replay_micro) is checked against Math.round on every coordinate of each city.
 */

const DATA_DIR =
  process.env.SHARED_DATA_DIR ?? path.resolve(__dirname, '../../../../../shared/data');
const BASE_MS = Date.parse('2025-06-01T02:00:00Z');
const MINUTES = 30;
const UNITS = 30;

interface City {
  name: string;
  lon: Float64Array;
  lat: Float64Array;
}

function cities(): City[] {
  const hard = generateCity({ seed: 7, hard: true, targetNodes: 3000 });
  const drafts = [
    ['synthetic (hard)', importGeoJsonRoads(hard.roads)],
    ['Chengdu', importOsmXml(fs.readFileSync(path.join(DATA_DIR, 'chengdu-center-2018.osm')))],
    [
      'Shenzhen',
      importGeoJsonRoads(
        fs.readFileSync(path.join(DATA_DIR, 'shenzhen-futian-roads.geojson'), 'utf8'),
      ),
    ],
  ] as const;
  return drafts.map(([name, d]) => ({
    name,
    lon: d.pointLon.subarray(0, d.pointCount),
    lat: d.pointLat.subarray(0, d.pointCount),
  }));
}

interface RawPoint {
  unit: string;
  us: number;
  lon: number;
  lat: number;
  flags: number;
}

const unitId = (i: number) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`;

/** The plain computation: each unit's first plausible point per 15 s step, in window and box. */
function expected(raw: readonly RawPoint[], box: Box, fromMs: number, toMs: number) {
  const sorted = [...raw].sort((a, b) =>
    a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : a.us - b.us,
  );
  const out = new Map<string, TrackColumns>();
  const seen = new Set<string>();
  for (const p of sorted) {
    if (p.flags & 1 || p.us < fromMs * 1000 || p.us >= toMs * 1000) continue;
    const step = `${p.unit}:${Math.floor(p.us / 15e6)}`;
    if (seen.has(step)) continue;
    seen.add(step);
    if (p.lon < box.w || p.lon > box.e || p.lat < box.s || p.lat > box.n) continue;
    let c = out.get(p.unit);
    if (!c) out.set(p.unit, (c = { ms: [], lon: [], lat: [] }));
    c.ms.push(p.us / 1000);
    c.lon.push(p.lon);
    c.lat.push(p.lat);
  }
  return out;
}

describe(`area replay, stored columnar chunks (${mode})`, () => {
  let handle: DatabaseHandle;
  let closeDatabase: (() => Promise<void>) | undefined;
  const all = cities();

  beforeAll(async () => {
    ({ handle, close: closeDatabase } = await openTestDatabase('replaycolumnar'));
  }, 120_000);

  afterAll(async () => {
    await closeDatabase?.();
  });

  it.each(all.map((c) => [c.name, c] as const))(
    'rounds every coordinate as the api does (%s)',
    async (_name, city) => {
      const values = [...city.lon, ...city.lat];
      // half-millionths either side of zero and of the city: the ties
      for (let k = -3; k <= 3; k++) values.push(k * 5e-7, city.lon[0] + k * 5e-7, -city.lat[0]);
      for (let i = 0; i < values.length; i += 20_000) {
        const part = values.slice(i, i + 20_000);
        const r = await sql<{ v: number }>`
          SELECT replay_micro(d)::float8 AS v FROM unnest(${part}::float8[]) WITH ORDINALITY AS x(d, o)
          ORDER BY o`.execute(handle.db);
        expect(r.rows.map((x) => Number(x.v))).toEqual(
          part.map((d) => Math.round(d * 1e6) + 0), // + 0: -0 is 0 in SQL
        );
      }
    },
    120_000,
  );

  it('packs differences as varints the api reads back exactly (0036)', async () => {
    // every length of varint, either side of zero, and the extremes an int32 difference can take
    const values = [0, 1, -1, 63, -64, 64, 8191, -8192, 8192, 1048575, -1048576, 1048576];
    values.push(134217727, -134217728, 134217728, 360_000_000, -360_000_000, 15_000, 14_999);
    values.push(2 ** 31 - 1, -(2 ** 31) + 1, 30_000, -30_000);
    // a packed chunk as 0036 builds it: the head, then each section (times less the 15 s step)
    const r = await sql<{ packed: Uint8Array }>`
      SELECT replay_le4(7) || replay_le4(${values.length + 1}::integer) || replay_le4(0)
        || replay_le4(0) || replay_le4(0) || replay_le4(0) || replay_le4(0) || replay_le4(0)
        || string_agg(replay_varint(replay_zigzag(v - 15000)), ''::bytea ORDER BY o)
        || string_agg(replay_varint(replay_zigzag(v)), ''::bytea ORDER BY o)
        || string_agg(replay_varint(replay_zigzag(v)), ''::bytea ORDER BY o) AS packed
      FROM unnest(${values}::bigint[]) WITH ORDINALITY AS x(v, o)`.execute(handle.db);
    const packed = new Uint8Array(r.rows[0].packed);
    const got: number[][] = [[], [], []];
    const head: number[] = [];
    const end = readPackedChunk(packed, 0, head, (k, d) => got[k].push(d));
    expect(end).toBe(packed.byteLength);
    expect(head.slice(0, 2)).toEqual([7 * 300_000, values.length + 1]);
    expect(got).toEqual([values, values, values]);
    // …and as the binary answer copies them: straight into int32 sections (one to five bytes
    // each), after the chunk's first point as the difference to the point before it
    const n = values.length;
    const out = new Int32Array(3 * n + 5);
    const at = { t: 1, lon: 2 + n, lat: 3 + 2 * n, pt: 2_000_000, px: 5, py: -5 };
    expect(copyPackedChunk(packed, 0, out, at)).toBe(packed.byteLength);
    expect(at).toEqual({ t: 2 + n, lon: 3 + 2 * n, lat: 4 + 3 * n, pt: 7 * 300_000, px: 0, py: 0 });
    expect([...out.subarray(1, 2 + n)]).toEqual([7 * 300_000 - 2_000_000, ...values]);
    expect([...out.subarray(2 + n, 3 + 2 * n)]).toEqual([-5, ...values]);
    expect([...out.subarray(3 + 2 * n, 4 + 3 * n)]).toEqual([5, ...values]);
    expect([out[0], out[3 * n + 4]]).toEqual([0, 0]);
  });

  // times with µs (the runs' edges read from the exact points), and whole ms (as terminals send
  // them: read from the packed chunks themselves) over an hour's end (two runs a unit)
  it.each(all.flatMap((c) => [[c.name, 'sub-ms', c] as const, [c.name, 'whole ms', c] as const]))(
    'joins stored chunks into exactly the plain columnar text (%s, %s times)',
    async (_name, times, city) => {
      const wholeMs = times === 'whole ms';
      const base = wholeMs ? BASE_MS + 45 * 60_000 : BASE_MS;
      await sql`TRUNCATE unit_tracks, unit_track_replay, unit_track_replay_bin, unit_track_replay_run,
        unit_track_replay_dirty`.execute(handle.db);
      const rand = mulberry32(city.lon.length);
      const raw: RawPoint[] = [];
      for (let u = 0; u < UNITS; u++) {
        // a few real points near each other, visited in turn; some units jump across the city
        const anchor = Math.floor(rand() * (city.lon.length - 8));
        let us = base * 1000 + Math.floor(rand() * 5e6);
        for (let k = 0; us < (base + MINUTES * 60_000) * 1000; k++) {
          // unit 1: silent from 4 to 14.5 min (no chunk 5–10), one point, silent to 15.2 min:
          // its chunk 10–15 holds one point and starts a run that the next chunk continues
          const at = (min: number) => (base + min * 60_000) * 1000;
          if (u === 1 && us >= at(4) && us < at(14.5)) us = at(14.5) + 123;
          else if (u === 1 && us > at(14.5) + 123 && us < at(15.2)) us = at(15.2);
          const i = u % 5 === 4 && k % 50 === 49 ? Math.floor(rand() * city.lon.length) : anchor;
          const jump = rand() < 0.03;
          raw.push({
            unit: unitId(u),
            us: wholeMs ? Math.round(us / 1000) * 1000 : us,
            lon: city.lon[i + (k % 8)] + (jump ? 0.3 : 0),
            lat: city.lat[i + (k % 8)],
            flags: jump ? 1 : 0,
          });
          us += Math.floor((rand() < 0.01 ? 200 : 1 + rand() * 8) * 1e6 + rand() * 1000);
        }
      }
      await sql`
        INSERT INTO unit_tracks (unit_id, at, lon, lat, speed_kmh, heading_deg, flags, received_at)
        SELECT u, to_timestamp(us / 1000000.0), lon, lat, 30, 0, f, now()
        FROM unnest(${raw.map((p) => p.unit)}::uuid[], ${raw.map((p) => p.us)}::bigint[],
          ${raw.map((p) => p.lon)}::float8[], ${raw.map((p) => p.lat)}::float8[],
          ${raw.map((p) => p.flags)}::smallint[]) AS x(u, us, lon, lat, f)`.execute(handle.db);
      // the µs PostgreSQL kept
      const stored = (
        await sql<{ unit: string; us: number; lon: number; lat: number; flags: number }>`
          SELECT unit_id AS unit, (extract(epoch FROM at) * 1000000)::float8 AS us, lon, lat, flags
          FROM unit_tracks`.execute(handle.db)
      ).rows.map((x) => ({ ...x, us: Number(x.us), flags: Number(x.flags) }));
      const built = async () =>
        sql`SELECT rebuild_unit_track_replay(${new Date(base - 600_000)}::timestamptz, ${new Date(base + (MINUTES + 10) * 60_000)}::timestamptz)`.execute(
          handle.db,
        );
      await built();
      // the hour runs (0039): every unit's, flagged whole ms exactly when its times are
      const runs = await sql<{ n: number; whole: boolean }>`
        SELECT count(*)::int AS n, bool_and(all_whole_ms = ${wholeMs}) AS whole
        FROM unit_track_replay_run`.execute(handle.db);
      expect(runs.rows[0]).toEqual({ n: UNITS * (wholeMs ? 2 : 1), whole: true });

      const sortedLon = [...city.lon].sort((a, b) => a - b);
      const sortedLat = [...city.lat].sort((a, b) => a - b);
      const q = (s: number[], f: number) => s[Math.floor(f * (s.length - 1))];
      const boxes: [string, Box][] = [
        ['every point', { w: -180, s: -90, e: 180, n: 90 }],
        [
          'the middle',
          {
            w: q(sortedLon, 0.2),
            s: q(sortedLat, 0.2),
            e: q(sortedLon, 0.8),
            n: q(sortedLat, 0.8),
          },
        ],
      ];
      const windows: [string, number, number][] = [
        ['whole, aligned', base, base + MINUTES * 60_000],
        ['unaligned edges', base + 7_321, base + 21 * 60_000 + 12_345],
        // after unit 1's lone point at 14.5 min: its chunk 10–15 ends after the window, its
        // points do not (whole for the binary form, which knows its points' times)
        ['ends mid-chunk', base + 7_321, base + 14.6 * 60_000],
        // as a replay of the last hour asks: up to just after the last point written
        [
          'live edge',
          base + 5 * 60_000 + 999,
          Math.ceil(Math.max(...stored.map((p) => p.us)) / 1000) + 1,
        ],
      ];
      const check = async () => {
        let joined = 0;
        for (const [boxName, box] of boxes)
          for (const [name, fromMs, toMs] of windows) {
            const got = await replayTracks(handle.db, box, new Date(fromMs), new Date(toMs), 15, {
              columnar: 'text',
            });
            const want = expected(stored, box, fromMs, toMs);
            const text = (m: Iterable<[string, string]>) =>
              Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
            expect({
              boxName,
              name,
              units: text(
                [...got.byUnit.keys()].map((u) => [
                  u,
                  columnarTrackJson(got.byUnit.get(u) as TrackColumns, got.columnarChunks.get(u)),
                ]),
              ),
            }).toEqual({
              boxName,
              name,
              units: text([...want].map(([u, c]) => [u, JSON.stringify(columnarTrack(c))])),
            });
            expect(got.points).toBe([...want.values()].reduce((n, c) => n + c.ms.length, 0));
            for (const list of got.columnarChunks.values()) for (const k of list) joined += k.n;
            // the binary answer copying stored binary chunks (0035): the same points decoded
            const bytes = await replayTracks(handle.db, box, new Date(fromMs), new Date(toMs), 15, {
              columnar: 'binary',
            });
            const decoded = decodedBinary(bytes, fromMs);
            expect({ boxName, name, units: decoded }).toEqual({
              boxName,
              name,
              units: new Map([...want].map(([u, c]) => [u, plainTrackPoints(c)])),
            });
            // …and the points form's answer (format=points: the stored points read one by one)
            const points = await replayTracks(handle.db, box, new Date(fromMs), new Date(toMs), 15);
            expect({ boxName, name, units: decoded }).toEqual({
              boxName,
              name,
              units: new Map([...points.byUnit].map(([u, c]) => [u, plainTrackPoints(c)] as const)),
            });
            // …joining at least as many stored points as the columnar answer does (more where a
            // chunk ends after the window but its points do not)
            const storedIn = (r: {
              columnarChunks: Map<string, (ColumnarChunk | BinaryChunks)[]>;
            }) => [...r.columnarChunks.values()].flat().reduce((n, k) => n + storedPoints(k), 0);
            expect(storedIn(bytes)).toBeGreaterThanOrEqual(storedIn(got));
          }
        return joined;
      };
      // every chunk built: most points are joined as stored (more than a chunk's worth per unit)
      expect(await check()).toBeGreaterThan(UNITS * 20);
      // a late point in unit 1's empty chunk: read raw, between its stored chunks either side
      // (those are not joined into one run)
      const quiet = stored.find((p) => p.unit === unitId(1) && !(p.flags & 1));
      if (!quiet) throw new Error('no point of unit 1');
      const quietUs = (base + 7 * 60_000) * 1000;
      await sql`
        INSERT INTO unit_tracks (unit_id, at, lon, lat, speed_kmh, heading_deg, flags, received_at)
        VALUES (${quiet.unit}, to_timestamp(${quietUs} / 1000000.0), ${quiet.lon}, ${quiet.lat}, 30, 0, 0, now())`.execute(
        handle.db,
      );
      stored.push({ ...quiet, us: quietUs });
      expect(await check()).toBeGreaterThan(UNITS * 20);
      // a late point makes one chunk dirty: it is read raw, the others still joined
      const late = stored.find((p) => p.us > (base + 600_000) * 1000 && !(p.flags & 1));
      if (!late) throw new Error('no point to follow');
      const stepStart = Math.floor(late.us / 15e6) * 15e6;
      await sql`
        INSERT INTO unit_tracks (unit_id, at, lon, lat, speed_kmh, heading_deg, flags, received_at)
        VALUES (${late.unit}, to_timestamp(${stepStart} / 1000000.0), ${late.lon}, ${late.lat}, 30, 0, 0, now())`.execute(
        handle.db,
      );
      stored.push({ ...late, us: stepStart });
      expect(await check()).toBeGreaterThan(0);
      await built();
      expect(await check()).toBeGreaterThan(UNITS * 20);
    },
    300_000,
  );
});
