import { sql } from 'kysely';
import { BUILTIN_SCHEMES, INCIDENT_CATEGORIES, type RingScheme } from '@ringcad/domain';
import type { DatabaseHandle } from '@ringcad/db';
import { openTestDatabase, TEST_DB_MODE as mode } from '../../../../test/support/test-database';
import { CITY_SCOPE } from '../auth';
import {
  bucketMidpoint,
  CELL_BULLETIN,
  cellSlack,
  CELL_FAMILIES,
  CELL_PERCENTILE_ERROR,
  histogramPercentiles,
  planCells,
  type CellFamily,
} from './report-cells';
import { REPORT_FRACTIONS } from './report-percentiles';
import {
  applyReportSettings,
  laggardGroups,
  laggardGroupsFromCells,
  responseTimeGroups,
  responseTimeGroupsFromCells,
  unitCallsigns,
  unitResponseTimeGroupsFromCells,
} from './reports.queries';
import {
  rowsOutsideUnitCells,
  UNIT_CELL_DAY_COLUMN,
  unitCellSlack,
  type UnitCellFamily,
} from './report-unit-cells';

/**
 * The report pre-aggregates (report_cells, migration 0025; report_unit_cells, migration 0029 for
 * groupBy=unit and the laggards) against the direct SQL over incident_metrics and
 * assignment_metrics (the oracle): on a data set whose groups respond differently (a slow district,
 * slow categories, fast priority-1 calls), with open, cancelled and exercise incidents, over
 * windows with partial days at both edges and of whole days, after a bulk load and rebuild and
 * after live changes made through the triggers. Counts and ring tiers must be equal; each
 * percentile within the stated error of the exact one, computed here from the raw values.
 */

const DISTRICT_A = '00000000-0000-4000-8000-00000000000a';
const DISTRICT_B = '00000000-0000-4000-8000-00000000000b';
const STATION_A1 = '00000000-0000-4000-8000-0000000000a1';
const STATION_B1 = '00000000-0000-4000-8000-0000000000b1';
// local (UTC+8) midnight, 1 June 2025
const START = new Date('2025-05-31T16:00:00Z');
const DAYS = 6;
const scheme = BUILTIN_SCHEMES.find((s) => s.id === '1-3-8') as RingScheme;

type Measure = 'dispatch' | 'ack' | 'arrive';
const MEASURES: Measure[] = ['dispatch', 'ack', 'arrive'];

/** The values at the two ranks percentile_cont interpolates between, and its answer. */
function exact(values: number[], f: number) {
  const s = [...values].sort((a, b) => a - b);
  const pos = f * (s.length - 1);
  const lo = s[Math.floor(pos)];
  const hi = s[Math.ceil(pos)];
  return { value: lo + (hi - lo) * (pos - Math.floor(pos)), lo, hi };
}

/** How far the cells may be from the exact value: the stated error at either neighbouring rank. */
const allowed = (lo: number, hi: number) =>
  Math.max(
    CELL_PERCENTILE_ERROR.sec,
    CELL_PERCENTILE_ERROR.relative * Math.max(Math.abs(lo), Math.abs(hi)),
  ) + 1e-9;

describe(`report pre-aggregates (${mode})`, () => {
  let handle: DatabaseHandle;
  let closeDatabase: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ handle, close: closeDatabase } = await openTestDatabase('cells'));
    // loaded as a bulk import is (triggers off, then the metrics and the cells rebuilt)
    await handle.db.transaction().execute(async (tx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(tx);
      await sql`
        INSERT INTO jurisdictions (id, name, kind, parent_id, boundary) VALUES
          (${DISTRICT_A}, '锦江区', 'district', NULL, ST_Multi(ST_MakeEnvelope(104.05, 30.60, 104.12, 30.68, 4326))),
          (${DISTRICT_B}, '青羊区', 'district', NULL, ST_Multi(ST_MakeEnvelope(103.95, 30.63, 104.03, 30.71, 4326))),
          (${STATION_A1}, '春熙路派出所', 'station', ${DISTRICT_A}, ST_Multi(ST_MakeEnvelope(104.05, 30.60, 104.08, 30.68, 4326))),
          (${STATION_B1}, '草堂派出所', 'station', ${DISTRICT_B}, ST_Multi(ST_MakeEnvelope(103.95, 30.63, 103.99, 30.71, 4326)))`.execute(
        tx,
      );
      await sql`
        INSERT INTO units (callsign, kind, status, terminal_token_hash, station_id)
        SELECT '川A-' || k || '-' || g, k, 'available', 'cells-' || k || '-' || g,
          (ARRAY[${STATION_A1}::uuid, ${STATION_B1}::uuid, NULL])[g]
        FROM unnest(ARRAY['patrol_car', 'foot', 'kiosk', 'motorcycle', 'swat']) k, generate_series(1, 3) g`.execute(
        tx,
      );
      // every 67 s for six days; a third outside every district; 1 in 17 still open, 1 in 29
      // cancelled, 1 in 31 an exercise (never in a report)
      await sql`
        INSERT INTO incidents (number, status, category, priority, scheme_id, location, district_id, station_id,
          received_at, created_at, version, exercise)
        SELECT 'C-' || g,
          CASE WHEN g % 17 = 0 THEN 'dispatched' WHEN g % 29 = 0 THEN 'cancelled' ELSE 'closed' END,
          (${[...INCIDENT_CATEGORIES]}::text[])[CASE WHEN g % 300 = 0 THEN 7 ELSE 1 + g % 4 END], 1 + g % 3, '1-3-8',
          ST_SetSRID(ST_MakePoint(104.07, 30.65), 4326),
          (ARRAY[${DISTRICT_A}::uuid, ${DISTRICT_B}::uuid, NULL])[1 + g % 3],
          (ARRAY[${STATION_A1}::uuid, ${STATION_B1}::uuid, NULL])[1 + g % 3],
          ${START}::timestamptz + g * interval '67 seconds' - interval '20 seconds', ${START}::timestamptz + g * interval '67 seconds', 1,
          g % 31 = 0
        FROM generate_series(1, ${Math.floor((DAYS * 86_400) / 67) - 1}) g`.execute(tx);
      // district A arrives late, traffic and fire slower still, priority 1 faster; 1 in 11 got
      // no unit, 1 in 20 never arrived, some acknowledged after 30 s
      await sql`
        INSERT INTO assignments (incident_id, unit_id, role, status, assigned_at, acked_at, departed_at, arrived_at, cleared_at)
        SELECT i.id, u.ids[1 + (n + k) % cardinality(u.ids)], 'primary', 'cleared', a,
          CASE WHEN n % 10 <> 0 THEN a + (n % 47 + n / 1000.0) * interval '1 second' END,
          a + (20 + n % 350) * interval '1 second',
          CASE WHEN n % 20 <> 0 THEN a + ((40 + (n * 7) % 400 + n % 13 / 7.0)
            * CASE WHEN i.district_id = ${DISTRICT_A}::uuid THEN 2.2 ELSE 1 END
            * CASE WHEN i.category IN ('traffic', 'fire') THEN 1.5 ELSE 1 END
            * CASE WHEN i.priority = 1 THEN 0.6 ELSE 1 END) * interval '1 second' END,
          a + (600 + (n * 11) % 2400) * interval '1 second'
        FROM (SELECT i.id, i.district_id, i.category, i.priority, i.created_at, substr(i.number, 3)::int AS n FROM incidents i) i
        CROSS JOIN (SELECT array_agg(id ORDER BY callsign) AS ids FROM units) u
        CROSS JOIN LATERAL generate_series(0, i.n % 2) k
        CROSS JOIN LATERAL (SELECT i.created_at + (3 + (i.n * 13) % 240 + k * 30 + i.n % 7 / 3.0) * interval '1 second' AS a) t
        WHERE i.n % 11 <> 0`.execute(tx);
    });
    await sql`SELECT rebuild_incident_metrics('-infinity', 'infinity')`.execute(handle.db);
    await sql`SELECT rebuild_report_cells()`.execute(handle.db);
  });

  afterAll(async () => {
    await closeDatabase?.();
  });

  const query = (groupBy: CellFamily, from: Date, to: Date) => ({
    groupBy,
    from,
    to,
    ...CELL_BULLETIN,
  });

  /** The raw values per group key (as the cells spell it) for the exact percentiles. */
  async function rawValues(groupBy: CellFamily, from: Date, to: Date) {
    const col = {
      district: 'district_id',
      station: 'station_id',
      category: 'category',
      priority: 'priority',
      hour: 'local_hour',
      day: 'local_day',
    }[groupBy];
    const r = await sql<{
      key: string;
      dispatch: number | null;
      ack: number | null;
      arrive: number | null;
    }>`
      SELECT coalesce(${sql.ref(`m.${col}`)}::text, '') AS key, m.dispatch_sec AS dispatch, m.ack_sec AS ack, m.arrive_sec AS arrive
      FROM incident_metrics m WHERE m.created_at >= ${from} AND m.created_at < ${to}`.execute(
      handle.db,
    );
    const out = new Map<string, Record<Measure, number[]>>();
    for (const row of r.rows) {
      let g = out.get(row.key);
      if (!g) out.set(row.key, (g = { dispatch: [], ack: [], arrive: [] }));
      for (const m of MEASURES) if (row[m] !== null) g[m].push(Number(row[m]));
    }
    return out;
  }

  /** Cells against the oracle for every family over one window. */
  async function compare(from: Date, to: Date) {
    let percentilesChecked = 0;
    for (const groupBy of CELL_FAMILIES) {
      const q = query(groupBy, from, to);
      const [direct, cells] = await handle.db.transaction().execute(async (tx) => {
        await applyReportSettings(tx);
        return [
          await responseTimeGroups(tx, q, scheme, CITY_SCOPE),
          await responseTimeGroupsFromCells(tx, q, scheme),
        ] as const;
      });
      expect(cells).not.toBeNull();
      const keyOf = (k: string | number | null) => (k === null ? '' : String(k));
      const counts = (groups: NonNullable<typeof cells>) =>
        Object.fromEntries(
          groups
            .map((g): [string, Record<string, number>] => [
              keyOf(g.key),
              {
                rows: g.rows,
                ...Object.fromEntries(Object.entries(g.aggregates).map(([k, v]) => [k, Number(v)])),
              },
            ])
            .sort(([a], [b]) => a.localeCompare(b)),
        );
      expect({ groupBy, groups: counts(cells ?? []) }).toEqual({ groupBy, groups: counts(direct) });

      const raw = await rawValues(groupBy, from, to);
      for (const g of cells ?? []) {
        const values = raw.get(keyOf(g.key));
        for (const m of MEASURES) {
          REPORT_FRACTIONS.forEach((f, j) => {
            const got = g.measures[m][j];
            if (!values || values[m].length === 0) return expect(got).toBeNull();
            const e = exact(values[m], f);
            const off = Math.abs((got as number) - e.value);
            if (off > allowed(e.lo, e.hi))
              throw new Error(
                `${groupBy} ${keyOf(g.key)} ${m} P${f * 100}: ${got} vs exact ${e.value} (off ${off})`,
              );
            percentilesChecked++;
          });
        }
      }
    }
    return percentilesChecked + (await compareUnits(from, to));
  }

  /** The raw assignment values per unit or station, for the exact percentiles. */
  async function rawAssignmentValues(
    key: 'unit_id' | 'station_id',
    day: string,
    from: Date,
    to: Date,
  ) {
    const r = await sql<{
      key: string;
      dispatch: number | null;
      ack: number | null;
      arrive: number | null;
    }>`
      SELECT ${sql.ref(`x.${key}`)}::text AS key, x.dispatch_sec AS dispatch, x.ack_sec AS ack, x.arrive_sec AS arrive
      FROM assignment_metrics x
      WHERE ${sql.ref(`x.${day}`)} >= ${from} AND ${sql.ref(`x.${day}`)} < ${to} AND x.counted
        AND ${sql.ref(`x.${key}`)} IS NOT NULL`.execute(handle.db);
    const out = new Map<string, Record<Measure, number[]>>();
    for (const row of r.rows) {
      let g = out.get(row.key);
      if (!g) out.set(row.key, (g = { dispatch: [], ack: [], arrive: [] }));
      for (const m of MEASURES) if (row[m] !== null) g[m].push(Number(row[m]));
    }
    return out;
  }

  /** Each group's percentiles within the stated error of the exact ones from the raw values. */
  function checkPercentiles(
    label: string,
    groups: {
      key: string | number | null;
      measures: Partial<Record<Measure, (number | null)[]>>;
    }[],
    raw: Map<string, Record<Measure, number[]>>,
  ) {
    let checked = 0;
    for (const g of groups) {
      const values = raw.get(String(g.key));
      for (const m of MEASURES) {
        const got = g.measures[m];
        if (!got) continue;
        REPORT_FRACTIONS.forEach((f, j) => {
          if (!values || values[m].length === 0) return expect(got[j]).toBeNull();
          const e = exact(values[m], f);
          const off = Math.abs((got[j] as number) - e.value);
          if (off > allowed(e.lo, e.hi))
            throw new Error(`${label} ${g.key} ${m} P${f * 100}: ${got[j]} vs exact ${e.value}`);
          checked++;
        });
      }
    }
    return checked;
  }

  /**
   * The percentiles the per-unit cells must give exactly: each group's histogram merged here from
   * the plan's cells and the rows outside them (bucketed by report_bucket), read as
   * histogramPercentiles reads a histogram. Per measure, per group key.
   */
  async function mergedCellPercentiles(
    family: UnitCellFamily,
    from: Date,
    to: Date,
    key: 'unit_id' | 'station_id',
    names: readonly Measure[],
  ) {
    const plan = planCells(
      from,
      to,
      family,
      await handle.db.transaction().execute((tx) => unitCellSlack(tx, family, from, to)),
    );
    const hist = new Map<string, Map<Measure, Map<number, number>>>();
    // every group a part names, with or without values in a measure
    const groupOf = (k: string) => {
      let g = hist.get(k);
      if (!g) hist.set(k, (g = new Map(names.map((n) => [n, new Map()]))));
      return g;
    };
    const add = (k: string, m: Measure, bucket: number, count: number) => {
      const h = groupOf(k).get(m) as Map<number, number>;
      h.set(bucket, (h.get(bucket) ?? 0) + count);
    };
    if (plan) {
      const cells = await sql<Record<string, number[]> & { key: string }>`
        SELECT c.group_key AS key, c.dispatch_b, c.dispatch_cum, c.ack_b, c.ack_cum, c.arrive_b, c.arrive_cum
        FROM report_unit_cells c
        JOIN unnest(${plan.blocks.map((b) => b.level)}::int[], ${plan.blocks.map((b) => b.block)}::int[]) AS p(level, block)
          ON c.level = p.level AND c.block = p.block
        WHERE c.family = ${family} AND c.rows <> 0`.execute(handle.db);
      for (const c of cells.rows) {
        groupOf(c.key);
        for (const m of names) {
          const bs = c[`${m}_b`];
          const cum = c[`${m}_cum`];
          bs.forEach((b, i) => add(c.key, m, b, cum[i] - (i ? cum[i - 1] : 0)));
        }
      }
    }
    const day = sql.ref(`x.${UNIT_CELL_DAY_COLUMN[family]}`);
    const rows = await sql<Record<string, number | null> & { key: string }>`
      SELECT ${sql.ref(`x.${key}`)}::text AS key,
        ${sql.join(names.map((m) => sql`report_bucket(${sql.ref(`x.${m}_sec`)}) AS ${sql.ref(m)}`))}
      FROM ${rowsOutsideUnitCells(family, plan, from, to)} x
      WHERE ${day} >= ${from} AND ${day} < ${to} AND x.counted AND ${sql.ref(`x.${key}`)} IS NOT NULL`.execute(
      handle.db,
    );
    for (const r of rows.rows) {
      groupOf(r.key);
      for (const m of names) {
        const b = r[m];
        if (b !== null) add(r.key, m, Number(b), 1);
      }
    }
    return new Map(
      [...hist].map(([k, g]) => [
        k,
        Object.fromEntries(names.map((m) => [m, histogramPercentiles([...(g.get(m) ?? [])])])),
      ]),
    );
  }

  /** The per-unit cells (groupBy=unit, laggards per unit and station) against the direct SQL. */
  async function compareUnits(from: Date, to: Date) {
    const q = { ...query('district', from, to), groupBy: 'unit' as const };
    const [direct, cells, lag] = await handle.db.transaction().execute(async (tx) => {
      await applyReportSettings(tx);
      const levels = ['unit', 'station'] as const;
      return [
        await responseTimeGroups(tx, q, scheme, CITY_SCOPE),
        await unitResponseTimeGroupsFromCells(tx, q, scheme),
        await Promise.all(
          levels.map(async (level) => ({
            level,
            direct: await laggardGroups(tx, q, level, CITY_SCOPE),
            cells: await laggardGroupsFromCells(tx, q, level),
          })),
        ),
      ] as const;
    });
    expect(cells).not.toBeNull();
    const counts = (groups: { key: string | number | null; rows: number; aggregates: object }[]) =>
      Object.fromEntries(
        groups
          .map((g): [string, Record<string, number>] => [
            String(g.key),
            {
              rows: g.rows,
              ...Object.fromEntries(Object.entries(g.aggregates).map(([k, v]) => [k, Number(v)])),
            },
          ])
          .sort(([a], [b]) => a.localeCompare(b)),
      );
    expect({ groupBy: 'unit', groups: counts(cells ?? []) }).toEqual({
      groupBy: 'unit',
      groups: counts(direct),
    });
    // each unit named in the same statement, as the callsign look-up names it
    const named = await unitCallsigns(
      handle.db,
      direct.map((g) => String(g.key)),
    );
    expect(named.length).toBe(direct.length);
    expect(new Map((cells ?? []).map((g) => [String(g.key), g.label]))).toEqual(
      new Map(named.map((u) => [u.id, u.callsign])),
    );
    // exactly the merged histograms' percentiles (the statement's bounds and slices are only a
    // cheaper way to read them)
    const measuresOf = (groups: { key: string | number | null; measures: object }[]) =>
      new Map(groups.map((g) => [String(g.key), g.measures]));
    expect(measuresOf(cells ?? [])).toEqual(
      await mergedCellPercentiles('unit', from, to, 'unit_id', MEASURES),
    );
    let checked = checkPercentiles(
      'unit',
      cells ?? [],
      await rawAssignmentValues('unit_id', 'incident_created_at', from, to),
    );
    for (const l of lag) {
      expect({ level: l.level, groups: counts(l.cells) }).toEqual({
        level: l.level,
        groups: counts(l.direct),
      });
      expect(measuresOf(l.cells)).toEqual(
        await mergedCellPercentiles(`lag_${l.level}`, from, to, `${l.level}_id`, ['ack', 'arrive']),
      );
      checked += checkPercentiles(
        `laggards ${l.level}`,
        l.cells,
        await rawAssignmentValues(`${l.level}_id`, 'assigned_at', from, to),
      );
    }
    return checked;
  }

  it('has the data it means to test: uneven districts, settled and open incidents, exercises left out', async () => {
    const r = await sql<{
      district: string | null;
      p50: number;
      n: number;
      cells: number;
      open: number;
    }>`
      SELECT m.district_id::text AS district,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY m.arrive_sec) AS p50, count(*)::int AS n,
        count(*) FILTER (WHERE m.in_cells)::int AS cells, count(*) FILTER (WHERE NOT m.in_cells)::int AS open
      FROM incident_metrics m GROUP BY 1 ORDER BY 1`.execute(handle.db);
    const byDistrict = Object.fromEntries(r.rows.map((x) => [x.district ?? '', x]));
    expect(byDistrict[DISTRICT_A].p50).toBeGreaterThan(1.25 * byDistrict[DISTRICT_B].p50);
    for (const x of r.rows) {
      expect(x.cells).toBeGreaterThan(1000);
      expect(x.open).toBeGreaterThan(50);
    }
    const ex = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM incidents i JOIN incident_metrics m ON m.incident_id = i.id WHERE i.exercise`.execute(
      handle.db,
    );
    expect(ex.rows[0].n).toBe(0);
    // per-unit cells: assignments with and without a station, in and out of the cells
    const x = await sql<{ stations: number; none: number; cells: number; open: number }>`
      SELECT count(DISTINCT station_id)::int AS stations, count(*) FILTER (WHERE station_id IS NULL)::int AS none,
        count(*) FILTER (WHERE in_cells)::int AS cells, count(*) FILTER (WHERE NOT in_cells)::int AS open
      FROM assignment_metrics`.execute(handle.db);
    expect(x.rows[0].stations).toBe(2);
    expect(x.rows[0].none).toBeGreaterThan(1000);
    expect(x.rows[0].cells).toBeGreaterThan(1000);
    expect(x.rows[0].open).toBeGreaterThan(50);
  });

  it('answers every group-by as the direct SQL does, with partial days at both edges and over whole days', async () => {
    const edges = [
      new Date(START.getTime() + 3.5 * 3600_000),
      new Date(START.getTime() + (DAYS - 1) * 86_400_000 + 5 * 3600_000),
    ] as const;
    // the per-unit families read this window as several parts per group: blocks of whole days,
    // and the rows of the partial days at both edges (settled rows lie outside it on both sides)
    for (const family of ['unit', 'lag_unit', 'lag_station'] as const) {
      const slack = await handle.db
        .transaction()
        .execute((tx) => unitCellSlack(tx, family, ...edges));
      const plan = planCells(...edges, family, slack);
      expect(plan?.blocks.length).toBeGreaterThan(1);
      expect(plan?.cellsFrom.getTime()).toBeGreaterThan(edges[0].getTime());
      expect(plan?.cellsTo.getTime()).toBeLessThan(edges[1].getTime());
    }
    const partial = await compare(...edges);
    const whole = await compare(START, new Date(START.getTime() + 5 * 86_400_000));
    const inside = await compare(
      new Date(START.getTime() + 86_400_000 + 3600_000),
      new Date(START.getTime() + 86_400_000 + 9 * 3600_000),
    );
    expect(partial + whole + inside).toBeGreaterThan(100);
    // whole days read blocks of 8 days and single days
    expect(
      planCells(START, new Date(START.getTime() + 5 * 86_400_000), 'district')?.blocks.length,
    ).toBeGreaterThan(0);
  });

  it('reads an edge day from its cell when no settled row of that day lies outside the window', async () => {
    // the first row is at +67 s, the last 88 s before the end: both edge days hold only window rows
    const from = new Date(START.getTime() + 40_000);
    const to = new Date(START.getTime() + DAYS * 86_400_000 - 30_000);
    const slack = await handle.db.transaction().execute((tx) => cellSlack(tx, from, to));
    expect(slack).toEqual({ before: null, after: null });
    const plan = planCells(from, to, 'district', slack);
    expect(plan?.cellsFrom.getTime()).toBeLessThanOrEqual(from.getTime());
    expect(plan?.cellsTo.getTime()).toBeGreaterThanOrEqual(to.getTime());
    // without the slack the edge days are read as rows
    expect(planCells(from, to, 'district')?.cellsFrom.getTime()).toBeGreaterThan(from.getTime());
    const edges = await compare(from, to);
    // a window far around all rows: one block per group
    const around = [
      new Date(START.getTime() - 40 * 86_400_000),
      new Date(START.getTime() + (DAYS + 3) * 86_400_000 + 5 * 3600_000),
    ] as const;
    const all = await compare(...around);
    expect(planCells(...around, 'district', { before: null, after: null })?.blocks.length).toBe(1);
    // a settled row just outside keeps its day out of the cells
    const tight = await handle.db
      .transaction()
      .execute((tx) =>
        cellSlack(tx, new Date(START.getTime() + 100_000), new Date(START.getTime() + 518_000_000)),
      );
    expect(tight.before?.getTime()).toBe(START.getTime() + 67_000);
    expect(tight.after).not.toBeNull();
    const inner = await compare(
      new Date(START.getTime() + 100_000),
      new Date(START.getTime() + 518_000_000),
    );
    expect(edges + all + inner).toBeGreaterThan(100);
  });

  it('follows live changes in the same transaction: settling, a late change to a settled incident, a new closed incident, a rolled-back close', async () => {
    const snapshot = async () =>
      (
        await sql<{ f: string; k: string; l: number; b: number; rows: number; dispatched: number }>`
          SELECT family AS f, group_key AS k, level AS l, block AS b, rows, dispatched FROM report_cells
          ORDER BY 1, 2, 3, 4`.execute(handle.db)
      ).rows;
    const before = await snapshot();
    // a close that rolls back leaves the cells as they were
    await expect(
      handle.db.transaction().execute(async (tx) => {
        await sql`UPDATE incidents SET status = 'closed' WHERE number = 'C-17'`.execute(tx);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await snapshot()).toEqual(before);

    // open incidents settle; a settled incident gets a late arrival and a new category; a
    // closed incident is filed as such; a cancelled one is merged into another
    await sql`UPDATE incidents SET status = 'closed' WHERE number IN ('C-17', 'C-34', 'C-51', 'C-68')`.execute(
      handle.db,
    );
    await sql`UPDATE assignments SET arrived_at = assigned_at + interval '900 seconds'
      WHERE incident_id = (SELECT id FROM incidents WHERE number = 'C-40')`.execute(handle.db);
    await sql`UPDATE incidents SET category = 'fire', priority = 1 WHERE number = 'C-41'`.execute(
      handle.db,
    );
    await sql`UPDATE incidents SET status = 'merged' WHERE number = 'C-58'`.execute(handle.db);
    await sql`
      INSERT INTO incidents (number, status, category, priority, scheme_id, location, district_id, received_at, created_at, version)
      VALUES ('C-new', 'closed', 'dispute', 2, '1-3-8', ST_SetSRID(ST_MakePoint(104.07, 30.65), 4326), ${DISTRICT_B},
        ${new Date(START.getTime() + 2 * 86_400_000)}, ${new Date(START.getTime() + 2 * 86_400_000 + 20_000)}, 1)`.execute(
      handle.db,
    );
    const settled = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM incident_metrics m JOIN incidents i ON i.id = m.incident_id
      WHERE i.number IN ('C-17', 'C-34', 'C-51', 'C-68', 'C-new') AND m.in_cells`.execute(
      handle.db,
    );
    expect(settled.rows[0].n).toBe(5);
    expect(await snapshot()).not.toEqual(before);
    await compare(
      new Date(START.getTime() + 3.5 * 3600_000),
      new Date(START.getTime() + (DAYS - 1) * 86_400_000 + 5 * 3600_000),
    );

    // the cells kept incrementally are the cells a rebuild computes
    const full = async () =>
      (
        await sql<Record<string, unknown>>`
          SELECT family, group_key, level, block, rows, dispatched, arrived, ack_in, depart_in, clear_in, tiers,
            ARRAY(SELECT ARRAY[b, n] FROM unnest(dispatch_b, dispatch_c) u(b, n) WHERE n <> 0 ORDER BY b) AS dh,
            ARRAY(SELECT ARRAY[b, n] FROM unnest(ack_b, ack_c) u(b, n) WHERE n <> 0 ORDER BY b) AS ah,
            ARRAY(SELECT ARRAY[b, n] FROM unnest(arrive_b, arrive_c) u(b, n) WHERE n <> 0 ORDER BY b) AS rh
          FROM report_cells WHERE rows <> 0 ORDER BY 1, 2, 3, 4`.execute(handle.db)
      ).rows;
    // the unit cells' histograms as counts per bucket (a removed value leaves its bucket at 0)
    const histogram = (m: string) =>
      sql.raw(`ARRAY(SELECT ARRAY[b, n] FROM (SELECT b, cum - coalesce(lag(cum) OVER (ORDER BY o), 0) AS n
        FROM unnest(${m}_b, ${m}_cum) WITH ORDINALITY u(b, cum, o)) h WHERE n <> 0 ORDER BY b)`);
    const fullUnits = async () =>
      (
        await sql<Record<string, unknown>>`
          SELECT family, group_key, level, block, rows, arrived, ack_in, depart_in, clear_in, tiers,
            ${histogram('dispatch')} AS dh, ${histogram('ack')} AS ah, ${histogram('arrive')} AS rh,
            (SELECT bool_and(b < lead) FROM (SELECT b, lead(b) OVER (ORDER BY o) FROM unnest(ack_b) WITH ORDINALITY u(b, o)) s) AS ascending
          FROM report_unit_cells WHERE rows <> 0 ORDER BY 1, 2, 3, 4`.execute(handle.db)
      ).rows;
    const incremental = await full();
    const incrementalUnits = await fullUnits();
    expect(incrementalUnits.length).toBeGreaterThan(100);
    await sql`SELECT rebuild_report_cells()`.execute(handle.db);
    expect(await full()).toEqual(incremental);
    expect(await fullUnits()).toEqual(incrementalUnits);

    // every incident settled: a window around all rows reads one cell per unit and nothing else
    await sql`UPDATE incidents SET status = 'closed' WHERE status NOT IN ('closed', 'cancelled', 'merged')`.execute(
      handle.db,
    );
    const open = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM assignment_metrics WHERE NOT in_cells`.execute(handle.db);
    expect(open.rows[0].n).toBe(0);
    expect(
      await compareUnits(
        new Date(START.getTime() - 40 * 86_400_000),
        new Date(START.getTime() + (DAYS + 3) * 86_400_000),
      ),
    ).toBeGreaterThan(50);
  });

  it('hands a scheme edited since the cells were filled back to the direct SQL', async () => {
    const q = query('district', START, new Date(START.getTime() + 2 * 86_400_000));
    let edited: unknown = 'not asked';
    await expect(
      handle.db.transaction().execute(async (tx) => {
        await sql`UPDATE ring_schemes SET tiers = jsonb_set(tiers, '{0,sec}', '90') WHERE id = '1-3-8'`.execute(
          tx,
        );
        edited = [
          await responseTimeGroupsFromCells(tx, q, scheme),
          await unitResponseTimeGroupsFromCells(tx, q, scheme),
        ];
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(edited).toEqual([null, null]);
  });

  it('reads percentiles from bucket midpoints within the stated error', async () => {
    const values = [-3.2, 0, 0.01, 1.234, 4.99, 5, 5.04, 37.5, 119.99, 600, 3599.5, 86_000];
    const r = await sql<{ b: number }>`
      SELECT report_bucket(v) AS b FROM unnest(${values}::float8[]) WITH ORDINALITY AS x(v, i) ORDER BY i`.execute(
      handle.db,
    );
    r.rows.forEach(({ b }, i) => {
      const v = values[i];
      // a bucket's midpoint is within the stated error of every value in it
      expect(Math.abs(bucketMidpoint(b) - v)).toBeLessThanOrEqual(
        Math.max(CELL_PERCENTILE_ERROR.sec, CELL_PERCENTILE_ERROR.relative * Math.abs(v)) + 1e-9,
      );
    });
    expect(histogramPercentiles([])).toEqual([null, null]);
    // percentile_cont between the ranks: P50 of two values is their mean, P90 is 90 % of the way
    const [a, b] = [r.rows[7].b, r.rows[9].b];
    const [p50, p90] = histogramPercentiles([
      [b, 1],
      [a, 1],
    ]);
    expect(p50).toBeCloseTo((bucketMidpoint(a) + bucketMidpoint(b)) / 2, 9);
    expect(p90).toBeCloseTo(bucketMidpoint(a) + 0.9 * (bucketMidpoint(b) - bucketMidpoint(a)), 9);
  });
});
