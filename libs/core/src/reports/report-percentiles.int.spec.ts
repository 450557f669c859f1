import { sql, type RawBuilder } from 'kysely';
import { INCIDENT_CATEGORIES } from '@ringcad/domain';
import type { DatabaseHandle } from '@ringcad/db';
import { openTestDatabase, TEST_DB_MODE as mode } from '../../../../test/support/test-database';
import {
  groupedPercentiles,
  partitionPercentiles,
  REPORT_FRACTIONS,
  type PercentileGroup,
  type PercentileOptions,
} from './report-percentiles';

/**
 * The report percentiles, checked against the definition computed in JS on the same values:
 * percentile_cont, linear interpolation between the closest ranks. Whatever path the engine takes
 * (windows placed by a page sample, a window that missed and the second pass, groups collected
 * whole, plain percentile_cont on a small table, per-partition percentile_cont) the figures must
 * be exact. Embedded: PGlite in memory; services (DATABASE_URL and REDIS_URL): a fresh database.
 */

/** percentile_cont: linear interpolation between the closest ranks. */
function percentileCont(values: number[], p: number): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const pos = p * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

// float8 arithmetic in SQL and in JS agree to far better than a microsecond
const round = (v: number | null) => (v === null ? null : Math.round(v * 1e6) / 1e6);

type Measure = 'dispatch' | 'ack' | 'arrive';
type Values = Record<string, Record<Measure, number[]> & { rows: number }>;

/** Groups the raw rows by key (null as its own group) and computes what the engine must answer. */
function expected(
  rows: { key: unknown; dispatch: number | null; ack: number | null; arrive: number | null }[],
  measures: readonly Measure[],
) {
  const groups: Values = {};
  for (const r of rows) {
    const g = (groups[String(r.key)] ??= { rows: 0, dispatch: [], ack: [], arrive: [] });
    g.rows++;
    for (const m of measures) if (r[m] !== null) g[m].push(Number(r[m]));
  }
  return Object.fromEntries(
    Object.entries(groups).map(([k, g]) => [
      k,
      {
        rows: g.rows,
        ...Object.fromEntries(
          measures.map((m) => [m, REPORT_FRACTIONS.map((f) => round(percentileCont(g[m], f)))]),
        ),
      },
    ]),
  );
}

function answered<M extends string, A extends string>(groups: PercentileGroup<M, A>[]) {
  return Object.fromEntries(
    groups.map((g) => [
      String(g.key),
      {
        rows: g.rows,
        ...Object.fromEntries(
          Object.entries<(number | null)[]>(g.measures).map(([m, v]) => [m, v.map(round)]),
        ),
      },
    ]),
  );
}

describe(`report percentiles (${mode})`, () => {
  let handle: DatabaseHandle;
  let closeDatabase: (() => Promise<void>) | undefined;
  const from = new Date('2025-06-01T00:00:00Z');
  const to = new Date('2025-06-04T00:00:00Z');
  const inWindow = sql`m.created_at >= ${from} AND m.created_at < ${to}`;
  const incidentMeasures = {
    dispatch: sql`m.dispatch_sec`,
    ack: sql`m.ack_sec`,
    arrive: sql`m.arrive_sec`,
  };

  beforeAll(async () => {
    ({ handle, close: closeDatabase } = await openTestDatabase('pct'));

    // 6,000 incidents over three days, loaded as a bulk import would be (triggers off, metrics
    // rebuilt after): the districts respond differently, responses slow down over the days, one
    // category is rare (a sample sees too little of it), a third have no district, some
    // incidents never saw a unit arrive, and 1 in 11 got no unit.
    await handle.db.transaction().execute(async (tx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(tx);
      await sql`
        INSERT INTO jurisdictions (id, name, kind, boundary) VALUES
          ('00000000-0000-4000-8000-000000000001', '锦江区', 'district', ST_Multi(ST_MakeEnvelope(104.05, 30.60, 104.12, 30.68, 4326))),
          ('00000000-0000-4000-8000-000000000002', '青羊区', 'district', ST_Multi(ST_MakeEnvelope(103.95, 30.63, 104.03, 30.71, 4326)))`.execute(
        tx,
      );
      await sql`
        INSERT INTO units (callsign, kind, status, terminal_token_hash)
        SELECT '川A-' || k || '-' || g, k, 'available', 'pct-' || k || '-' || g
        FROM unnest(ARRAY['patrol_car', 'foot', 'kiosk', 'motorcycle', 'swat']) k, generate_series(1, 3) g`.execute(
        tx,
      );
      await sql`
        INSERT INTO incidents (number, status, category, priority, scheme_id, location, district_id, received_at, created_at, version)
        SELECT 'W-' || g, 'closed', (${[...INCIDENT_CATEGORIES]}::text[])[CASE WHEN g % 400 = 0 THEN 7 ELSE 1 + g % 3 END], 1 + g % 3, '1-3-8',
          ST_SetSRID(ST_MakePoint(104.07, 30.65), 4326),
          (ARRAY['00000000-0000-4000-8000-000000000001'::uuid, '00000000-0000-4000-8000-000000000002'::uuid, NULL])[1 + g % 3],
          ${from}::timestamptz + g * interval '43 seconds' - interval '20 seconds', ${from}::timestamptz + g * interval '43 seconds', 1
        FROM generate_series(1, 6000) g`.execute(tx);
      await sql`
        INSERT INTO assignments (incident_id, unit_id, role, status, assigned_at, acked_at, departed_at, arrived_at, cleared_at)
        SELECT i.id, u.ids[1 + (n + k) % cardinality(u.ids)], 'primary', 'cleared', a,
          CASE WHEN n % 10 <> 0 THEN a + (n % 37 + n / 100.0) * interval '1 second' END,
          a + (20 + n % 50) * interval '1 second',
          CASE WHEN n % 20 <> 0 THEN a + (60 + (n * 7) % 400 + (CASE WHEN i.district_id = '00000000-0000-4000-8000-000000000002' THEN 300 ELSE 0 END) + n / 20.0) * interval '1 second' END,
          a + interval '1 hour'
        FROM (SELECT i.id, i.district_id, i.created_at, substr(i.number, 3)::int AS n FROM incidents i) i
        CROSS JOIN (SELECT array_agg(id ORDER BY callsign) AS ids FROM units) u
        CROSS JOIN LATERAL generate_series(0, i.n % 2) k
        CROSS JOIN LATERAL (SELECT i.created_at + (5 + (i.n * 13) % 120 + k * 30) * interval '1 second' AS a) t
        WHERE i.n % 11 <> 0`.execute(tx);
    });
    await sql`SELECT rebuild_incident_metrics(${from}, ${to})`.execute(handle.db);
    // the rebuild's join order follows random ids, and the sample reads pages: lay the rows out
    // by time so that the sampled pages (REPEATABLE) are the same on every run
    await sql`CLUSTER incident_metrics USING incident_metrics_created_idx`.execute(handle.db);
    await sql`ANALYZE incident_metrics`.execute(handle.db);
  });

  afterAll(async () => {
    await closeDatabase?.();
  });

  /** The raw values of the incidents in the window, by a key column of incident_metrics. */
  async function incidentValues(key: string) {
    const r = await sql<{
      key: unknown;
      dispatch: number | null;
      ack: number | null;
      arrive: number | null;
    }>`
      SELECT ${sql.ref(`m.${key}`)} AS key, m.dispatch_sec AS dispatch, m.ack_sec AS ack, m.arrive_sec AS arrive
      FROM incident_metrics m WHERE ${inWindow}`.execute(handle.db);
    return r.rows;
  }

  it('has the data it means to test: every incident in the window, most dispatched, some never arrived', async () => {
    const r = await sql<{ n: number; dispatched: number; arrived: number }>`
      SELECT count(*)::int AS n, count(m.dispatch_sec)::int AS dispatched, count(m.arrive_sec)::int AS arrived
      FROM incident_metrics m WHERE ${inWindow}`.execute(handle.db);
    const c = r.rows[0];
    expect(c.n).toBe(6000);
    expect(c.dispatched).toBeGreaterThan(5000);
    expect(c.dispatched).toBeLessThan(6000);
    expect(c.arrived).toBeLessThan(c.dispatched);
  });

  it('is exact when the windows come from a sample, and when a window misses (second pass)', async () => {
    let missedNarrow = 0;
    for (const [key, keyType, keyNullable] of [
      ['district_id', 'uuid', true],
      ['local_hour', 'int', false],
      ['category', 'text', false],
    ] as const) {
      const want = expected(await incidentValues(key), ['dispatch', 'ack', 'arrive']);
      // wide windows (as reports use them), and windows too narrow to hold anything
      for (const windowZ of [4, 0]) {
        const trace: NonNullable<PercentileOptions['trace']> = {};
        const got = await handle.db.transaction().execute((tx) =>
          groupedPercentiles(
            tx,
            {
              table: 'incident_metrics',
              alias: 'm',
              where: inWindow,
              key: sql.ref(`m.${key}`),
              keyType,
              keyNullable,
              measures: incidentMeasures,
            },
            { samplePercent: 30, windowZ, trace },
          ),
        );
        expect(trace.sampled).toBe(true);
        if (windowZ === 0) missedNarrow += trace.missed?.length ?? 0;
        expect({ key, windowZ, groups: answered(got) }).toEqual({ key, windowZ, groups: want });
      }
    }
    // narrow windows missed (one window serves all groups: the districts' spread covers theirs,
    // the categories share one distribution and did not), and the second pass put it right
    expect(missedNarrow).toBeGreaterThan(0);
  });

  it('is exact on a table too small to sample (plain percentile_cont), with further aggregates counted alongside', async () => {
    const trace: NonNullable<PercentileOptions['trace']> = {};
    const aggregates: Record<'dispatched', RawBuilder<unknown>> = {
      dispatched: sql`count(*) FILTER (WHERE m.first_dispatch_at IS NOT NULL)::int`,
    };
    const got = await handle.db.transaction().execute((tx) =>
      groupedPercentiles(
        tx,
        {
          table: 'incident_metrics',
          alias: 'm',
          where: inWindow,
          key: sql`m.priority`,
          keyType: 'int',
          keyNullable: false,
          measures: incidentMeasures,
          aggregates,
        },
        { trace },
      ),
    );
    expect(trace.sampled).toBe(false);
    const rows = await incidentValues('priority');
    expect(answered(got)).toEqual(expected(rows, ['dispatch', 'ack', 'arrive']));
    for (const g of got) {
      const dispatched = rows.filter(
        (r) => String(r.key) === String(g.key) && r.dispatch !== null,
      ).length;
      expect({ key: g.key, dispatched: g.aggregates.dispatched }).toEqual({
        key: g.key,
        dispatched,
      });
    }
  });

  it('is exact per unit over the partitioned assignment table', async () => {
    const where = sql`x.incident_created_at >= ${from} AND x.incident_created_at < ${to} AND x.counted`;
    const got = await handle.db.transaction().execute((tx) =>
      partitionPercentiles(tx, {
        table: 'assignment_metrics',
        alias: 'x',
        where,
        key: sql`x.unit_id`,
        keyType: 'uuid',
        keyNullable: false,
        measures: { dispatch: sql`x.dispatch_sec`, ack: sql`x.ack_sec`, arrive: sql`x.arrive_sec` },
      }),
    );
    const raw = await sql<{
      key: string;
      dispatch: number | null;
      ack: number | null;
      arrive: number | null;
    }>`
      SELECT x.unit_id AS key, x.dispatch_sec AS dispatch, x.ack_sec AS ack, x.arrive_sec AS arrive
      FROM assignment_metrics x WHERE ${where}`.execute(handle.db);
    expect(got.length).toBe(15);
    expect(answered(got)).toEqual(expected(raw.rows, ['dispatch', 'ack', 'arrive']));
  });
});
