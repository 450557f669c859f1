import { sql } from 'kysely';
import type { Db } from '@ringcad/db';
import { openTestDatabase, TEST_DB_MODE as mode } from '../../../../test/support/test-database';
import { cityTracks, groupTracks, tracksInBox, WORLD_BOX } from './patrol.queries';

/**
 * The patrol store reads whole chunks of the city's tracks packed one row per unit
 * (`cityTracks`); what it reads must be exactly the tracks the row-per-point read gives
 * (`tracksInBox` over the world, grouped), which the direct visibility computation (the store's
 * oracle) uses: same units in the same order, same points in time order, same numbers, headings
 * null where none was reported, jump-flagged points and points outside the window left out.
 */
const T0 = Date.parse('2026-03-02T02:00:00Z');

describe(`city tracks, packed per unit (${mode})`, () => {
  let db: Db;
  let close: () => Promise<void>;

  beforeAll(async () => {
    let handle;
    ({ handle, close } = await openTestDatabase('q_city_tracks'));
    db = handle.db;
    // 40 units (random ids: their order is the database's uuid order), 90 reports each at
    // uneven instants (microseconds included), every 7th without a heading, every 11th flagged
    // as a jump; headings that are not exact in float4; reports before and after the window
    await sql`
      INSERT INTO unit_tracks (unit_id, at, lon, lat, speed_kmh, heading_deg, flags, received_at)
      SELECT u.id,
        to_timestamp(${T0 / 1000} + g * 3.7 + u.k * 0.000113),
        104.0 + u.k * 0.001 + g * 0.0000123456789,
        30.6 - g * 0.0000098765432 + u.k * 1e-7,
        30,
        CASE WHEN g % 7 = 0 THEN NULL ELSE ((g * 37.3 + u.k * 1.1) % 360)::real END,
        CASE WHEN g % 11 = 0 THEN 1 ELSE 0 END,
        now()
      FROM (SELECT gen_random_uuid() AS id, k FROM generate_series(1, 40) k) u,
        generate_series(-10, 80) g
      -- stored in arrival order: most units' reports in time order, every third unit's late
      -- (latest first), so the read meets them out of order
      ORDER BY CASE WHEN u.k % 3 = 0 THEN -g ELSE g END, u.k`.execute(db);
  });

  afterAll(async () => {
    await close();
  });

  it('reads exactly the grouped row-per-point tracks of the window', async () => {
    const from = new Date(T0);
    const to = new Date(T0 + 60 * 3.7 * 1000);
    const packed = await db.transaction().execute((tx) => cityTracks(tx, from, to));
    const rows = groupTracks(await tracksInBox(db, WORLD_BOX, from, to));
    expect(packed.length).toBe(40);
    expect(packed).toEqual(rows);
    const points = packed.flatMap((t) => t.points);
    // the window's edges, the flagged points and the missing headings are all in play
    expect(points.some((p) => p.headingDeg === null)).toBe(true);
    expect(points.some((p) => p.headingDeg !== null && !Number.isInteger(p.headingDeg))).toBe(true);
    expect(points.some((p) => !Number.isInteger(p.ms))).toBe(true);
    expect(Math.min(...points.map((p) => p.ms))).toBeGreaterThanOrEqual(from.getTime());
    expect(Math.max(...points.map((p) => p.ms))).toBeLessThan(to.getTime());
    // 0..59 less the multiples of 11 (0, 11, …, 55: six) per unit
    expect(points.length).toBe(40 * 54);
  });

  it('reads nothing from an empty window', async () => {
    const empty = await db
      .transaction()
      .execute((tx) => cityTracks(tx, new Date(T0 - 3_600_000), new Date(T0 - 3_000_000)));
    expect(empty).toEqual([]);
  });
});
