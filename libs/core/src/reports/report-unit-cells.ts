import { sql, type RawBuilder } from 'kysely';
import type { Tx } from '@ringcad/db';
import { bucketMidpoint, type CellPlan, type CellSlack } from './report-cells';
import { REPORT_FRACTIONS } from './report-percentiles';

/**
 * Reading the per-unit report pre-aggregates (report_unit_cells, migration 0029): per unit (by
 * the incident's day, for response-times?groupBy=unit) and per unit and station (by the
 * assignment's day, for the laggards), blocks of days with cumulative histograms, plus the
 * assignment rows the cells do not hold.
 *
 * Percentiles as report_cells' (report-cells.ts: bucket midpoints, the same error), but found in
 * the database: a report over thousands of units would otherwise ship every unit's whole
 * histogram (≈ as many numbers as it has values). Each part of a group (a cell, or the group's
 * rows outside the cells) finds the bucket at its own rank by binary search over its
 * cumulative counts (width_bucket); the group's bucket at rank ⌊f·(N−1)⌋ is no lower than the
 * lowest of its parts' buckets at their ⌊f·(n−1)⌋, and the one at ⌈f·(N−1)⌉ no higher than the
 * highest at their ⌈f·(n−1)⌉ (a part has at most ⌊f·(n−1)⌋ values below its bucket and at least
 * ⌈f·(n−1)⌉ + 1 at or below it; summed over the parts, the same holds for the group). So each
 * part ships only its count below that range and its buckets inside it, and the group's
 * percentile is read from their sum exactly as from the merged histogram.
 */

export type UnitCellFamily = 'unit' | 'lag_unit' | 'lag_station';

/** The assignment_metrics column whose local day places a row in a family's cells. */
export const UNIT_CELL_DAY_COLUMN = {
  unit: 'incident_created_at',
  lag_unit: 'assigned_at',
  lag_station: 'assigned_at',
} as const satisfies Record<UnitCellFamily, string>;

/** The slack around a window for a family (see planCells): the nearest rows in cells either side. */
export async function unitCellSlack(
  tx: Tx,
  family: UnitCellFamily,
  from: Date,
  to: Date,
): Promise<CellSlack> {
  const col = sql.ref(UNIT_CELL_DAY_COLUMN[family]);
  const r = await sql<{ before: Date | null; after: Date | null }>`
    SELECT (SELECT max(${col}) FROM assignment_metrics WHERE in_cells AND ${col} < ${from}) AS before,
      (SELECT min(${col}) FROM assignment_metrics WHERE in_cells AND ${col} >= ${to}) AS after`.execute(
    tx,
  );
  const row = r.rows[0];
  return {
    before: row.before ? new Date(row.before) : null,
    after: row.after ? new Date(row.after) : null,
  };
}

/**
 * The assignment_metrics rows of [from, to) that a plan's cells do not hold, as a FROM item:
 * the partial days at the edges, and inside the cells' days the rows not (yet) in them.
 */
export function rowsOutsideUnitCells(
  family: UnitCellFamily,
  plan: CellPlan | null,
  from: Date,
  to: Date,
): RawBuilder<unknown> {
  const col = sql.ref(UNIT_CELL_DAY_COLUMN[family]);
  if (!plan)
    return sql`(SELECT * FROM assignment_metrics WHERE ${col} >= ${from} AND ${col} < ${to})`;
  return sql`(SELECT * FROM assignment_metrics WHERE ${col} >= ${from} AND ${col} < ${plan.cellsFrom}
    UNION ALL SELECT * FROM assignment_metrics WHERE ${col} >= ${plan.cellsTo} AND ${col} < ${to}
    UNION ALL SELECT * FROM assignment_metrics
      WHERE NOT in_cells AND ${col} >= ${plan.cellsFrom} AND ${col} < ${plan.cellsTo})`;
}

/** The plan's cells of a family, as a join condition on report_unit_cells c. */
export function planCellsJoin(plan: CellPlan): RawBuilder<unknown> {
  return sql`JOIN unnest(${plan.blocks.map((b) => b.level)}::int[], ${plan.blocks.map((b) => b.block)}::int[]) AS p(level, block)
    ON c.level = p.level AND c.block = p.block`;
}

/** Where a unit report's rows come from: the cells of a plan and the rows outside them. */
interface UnitCellSource<M extends string> {
  family: UnitCellFamily;
  plan: CellPlan | null;
  rows: {
    /** assignment_metrics, or a subquery of its rows */
    source: RawBuilder<unknown>;
    key: RawBuilder<unknown>;
    where: RawBuilder<unknown>;
    measures: Record<M, RawBuilder<unknown>>;
  };
}

const b = (i: number) => sql.ref(`b${i}`);
const c = (i: number) => sql.ref(`c${i}`);
/** The values of a part in measure i: its last cumulative count. */
const countOf = (i: number) => sql`coalesce(p.${c(i)}[cardinality(p.${c(i)})], 0)`;

/**
 * The parts of each group as `parts` (key, b<i>, c<i> per measure): its cells, and its rows
 * outside them as one more part (bucketed, counts running in bucket order).
 */
function partsSql<M extends string>(s: UnitCellSource<M>, names: M[]): RawBuilder<unknown> {
  const bucketed = names.map(
    (_m, i) =>
      sql`SELECT key, ${sql.lit(i)}::int AS m, report_bucket(${sql.ref(`v${i}`)}) AS b FROM o WHERE ${sql.ref(`v${i}`)} IS NOT NULL`,
  );
  const cells = s.plan
    ? sql`SELECT c.group_key AS key, ${sql.join(names.map((m, i) => sql`${sql.ref(`c.${m}_b`)} AS ${b(i)}, ${sql.ref(`c.${m}_cum`)} AS ${c(i)}`))}
        FROM report_unit_cells c ${planCellsJoin(s.plan)}
        WHERE c.family = ${s.family} AND c.rows <> 0
        UNION ALL`
    : sql``;
  return sql`
    o AS MATERIALIZED (
      SELECT ${s.rows.key} AS key, ${sql.join(names.map((m, i) => sql`${s.rows.measures[m]} AS ${sql.ref(`v${i}`)}`))}
      FROM ${s.rows.source} x WHERE ${s.rows.where}
    ),
    oh AS (
      SELECT key, m, b, (sum(count(*)) OVER (PARTITION BY key, m ORDER BY b))::int AS cum
      FROM (${sql.join(bucketed, sql` UNION ALL `)}) z GROUP BY key, m, b
    ),
    parts AS (
      ${cells}
      SELECT key, ${sql.join(names.map((_, i) => sql`coalesce(array_agg(b ORDER BY b) FILTER (WHERE m = ${sql.lit(i)}), '{}') AS ${b(i)}, coalesce(array_agg(cum ORDER BY b) FILTER (WHERE m = ${sql.lit(i)}), '{}') AS ${c(i)}`))}
      FROM oh GROUP BY key
    )`;
}

/** Percentile_cont between the values at two ranks, each its bucket's midpoint. */
function interpolate(f: number, count: number, lo: number, hi: number): number {
  const pos = f * (count - 1);
  const a = bucketMidpoint(lo);
  return a + (bucketMidpoint(hi) - a) * (pos - Math.floor(pos));
}

/**
 * P50/P90 per group key and measure from the cells of a plan and the rows outside them
 * (`rows`: key and measures as SQL over assignment_metrics x, already filtered). One query finds
 * each part's buckets at its own ranks: that is the answer for a group of one part (a unit's
 * window in one block, the usual case); for the others a second query ships the parts' counts
 * below and buckets inside the range those bound.
 */
export async function unitCellPercentiles<M extends 'dispatch' | 'ack' | 'arrive'>(
  tx: Tx,
  family: UnitCellFamily,
  plan: CellPlan | null,
  rows: UnitCellSource<M>['rows'],
): Promise<Map<string, Record<M, (number | null)[]>>> {
  const s: UnitCellSource<M> = { family, plan, rows };
  const names = Object.keys(rows.measures) as M[];
  const rankCols = names.flatMap((_, i) => [
    sql`${countOf(i)} AS ${sql.ref(`n${i}`)}`,
    ...REPORT_FRACTIONS.flatMap((f, j) =>
      (['floor', 'ceil'] as const).map(
        (round) =>
          sql`p.${b(i)}[width_bucket(${sql.raw(round)}(${sql.lit(f)}::float8 * (${countOf(i)} - 1))::int, p.${c(i)}) + 1] AS ${sql.ref(`${round}_${i}_${j}`)}`,
      ),
    ),
  ]);
  const r = await sql<Record<string, number | null> & { key: string }>`
    WITH ${partsSql(s, names)}
    SELECT p.key, ${sql.join(rankCols)} FROM parts p`.execute(tx);

  interface Part {
    n: number[];
    /** [measure][fraction] bucket at the part's floor and ceil rank */
    floor: number[][];
    ceil: number[][];
  }
  const parts = new Map<string, Part[]>();
  for (const row of r.rows) {
    const list = parts.get(row.key) ?? [];
    list.push({
      n: names.map((_, i) => Number(row[`n${i}`])),
      floor: names.map((_, i) => REPORT_FRACTIONS.map((_f, j) => Number(row[`floor_${i}_${j}`]))),
      ceil: names.map((_, i) => REPORT_FRACTIONS.map((_f, j) => Number(row[`ceil_${i}_${j}`]))),
    });
    parts.set(row.key, list);
  }
  const out = new Map<string, Record<M, (number | null)[]>>();
  const several: { key: string; count: number[]; lo: number[][]; hi: number[][] }[] = [];
  for (const [key, list] of parts) {
    if (list.length === 1) {
      const [p] = list;
      out.set(
        key,
        Object.fromEntries(
          names.map((m, i) => [
            m,
            REPORT_FRACTIONS.map((f, j) =>
              p.n[i] === 0 ? null : interpolate(f, p.n[i], p.floor[i][j], p.ceil[i][j]),
            ),
          ]),
        ) as Record<M, (number | null)[]>,
      );
      continue;
    }
    // the group's range per measure and fraction, from its parts that hold values
    const bound = (pick: (p: Part) => number[][], i: number, j: number, f: typeof Math.min) =>
      f(...list.filter((p) => p.n[i] > 0).map((p) => pick(p)[i][j]));
    several.push({
      key,
      count: names.map((_, i) => list.reduce((t, p) => t + p.n[i], 0)),
      lo: names.map((_, i) =>
        REPORT_FRACTIONS.map((_f, j) => bound((p) => p.floor, i, j, Math.min)),
      ),
      hi: names.map((_, i) =>
        REPORT_FRACTIONS.map((_f, j) => bound((p) => p.ceil, i, j, Math.max)),
      ),
    });
  }
  if (several.length) {
    const ranges = await rangeSlices(tx, s, names, several);
    for (const g of several) {
      const sliced = ranges.get(g.key);
      out.set(
        g.key,
        Object.fromEntries(
          names.map((m, i) => [
            m,
            REPORT_FRACTIONS.map((f, j) => {
              if (g.count[i] === 0 || !sliced) return null;
              const { below, buckets } = sliced[i][j];
              const sorted = [...buckets].sort((x, y) => x[0] - y[0]);
              const at = (rank: number) => {
                let seen = below;
                for (const [bucket, k] of sorted) {
                  seen += k;
                  if (rank < seen) return bucket;
                }
                throw new Error(`unit cells: rank ${rank} of ${g.key} outside its range`);
              };
              const pos = f * (g.count[i] - 1);
              return interpolate(f, g.count[i], at(Math.floor(pos)), at(Math.ceil(pos)));
            }),
          ]),
        ) as Record<M, (number | null)[]>,
      );
    }
  }
  return out;
}

/**
 * For groups of several parts: per measure and fraction, the values below the group's range
 * (summed over its parts) and the counts of the range's buckets.
 */
async function rangeSlices<M extends string>(
  tx: Tx,
  s: UnitCellSource<M>,
  names: M[],
  groups: { key: string; lo: number[][]; hi: number[][] }[],
): Promise<Map<string, { below: number; buckets: Map<number, number> }[][]>> {
  const keys = groups.map((g) => g.key);
  const bound = (side: 'lo' | 'hi', i: number, j: number) => sql.ref(`w.${side}_${i}_${j}`);
  const rangeCols = names.flatMap((_, i) =>
    REPORT_FRACTIONS.flatMap((_f, j) => [
      sql`${groups.map((g) => (Number.isFinite(g.lo[i][j]) ? g.lo[i][j] : null))}::int[]`,
      sql`${groups.map((g) => (Number.isFinite(g.hi[i][j]) ? g.hi[i][j] : null))}::int[]`,
    ]),
  );
  const rangeNames = names.flatMap((_, i) =>
    REPORT_FRACTIONS.flatMap((_f, j) => [sql.raw(`lo_${i}_${j}`), sql.raw(`hi_${i}_${j}`)]),
  );
  const sliceCols = names.flatMap((_, i) =>
    REPORT_FRACTIONS.flatMap((_f, j) => {
      const first = sql`width_bucket(${bound('lo', i, j)} - 1, p.${b(i)})`;
      const last = sql`width_bucket(${bound('hi', i, j)}, p.${b(i)})`;
      return [
        sql`coalesce(p.${c(i)}[${first}], 0) AS ${sql.ref(`base_${i}_${j}`)}`,
        sql`p.${b(i)}[${first} + 1:${last}] AS ${sql.ref(`b_${i}_${j}`)}`,
        sql`p.${c(i)}[${first} + 1:${last}] AS ${sql.ref(`c_${i}_${j}`)}`,
      ];
    }),
  );
  const r = await sql<Record<string, unknown> & { key: string }>`
    WITH ${partsSql(s, names)}
    SELECT p.key, ${sql.join(sliceCols)}
    FROM parts p
    JOIN unnest(${keys}::text[], ${sql.join(rangeCols)}) AS w(key, ${sql.join(rangeNames)}) ON w.key = p.key`.execute(
    tx,
  );
  const out = new Map<string, { below: number; buckets: Map<number, number> }[][]>();
  for (const row of r.rows) {
    let g = out.get(row.key);
    if (!g) {
      g = names.map(() => REPORT_FRACTIONS.map(() => ({ below: 0, buckets: new Map() })));
      out.set(row.key, g);
    }
    for (const [i, perFraction] of g.entries())
      perFraction.forEach((range, j) => {
        const base = Number(row[`base_${i}_${j}`]);
        range.below += base;
        const bs = (row[`b_${i}_${j}`] as number[] | null) ?? [];
        const cs = (row[`c_${i}_${j}`] as number[] | null) ?? [];
        let prev = base;
        bs.forEach((bucket, k) => {
          range.buckets.set(
            Number(bucket),
            (range.buckets.get(Number(bucket)) ?? 0) + Number(cs[k]) - prev,
          );
          prev = Number(cs[k]);
        });
      });
  }
  return out;
}
