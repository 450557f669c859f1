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

/**
 * P50/P90 per group key and measure from the cells of a plan and the rows outside them
 * (`rows`: key and measures as SQL over assignment_metrics x, already filtered).
 */
export async function unitCellPercentiles<M extends 'dispatch' | 'ack' | 'arrive'>(
  tx: Tx,
  family: UnitCellFamily,
  plan: CellPlan | null,
  rows: {
    source: RawBuilder<unknown>;
    key: RawBuilder<unknown>;
    where: RawBuilder<unknown>;
    measures: Record<M, RawBuilder<unknown>>;
  },
): Promise<Map<string, Record<M, (number | null)[]>>> {
  const names = Object.keys(rows.measures) as M[];
  const b = (i: number) => sql.ref(`b${i}`);
  const c = (i: number) => sql.ref(`c${i}`);
  const n = (i: number) => sql.ref(`n${i}`);
  const bound = (side: 'lo' | 'hi', i: number, j: number) => sql.ref(`${side}_${i}_${j}`);
  // the rows outside the cells, bucketed per key and measure, counts running in bucket order
  const bucketed = names.map(
    (m, i) =>
      sql`SELECT key, ${sql.lit(i)}::int AS m, report_bucket(${sql.ref(`v${i}`)}) AS b FROM o WHERE ${sql.ref(`v${i}`)} IS NOT NULL`,
  );
  const cells = plan
    ? sql`SELECT c.group_key AS key, ${sql.join(names.map((m, i) => sql`${sql.ref(`c.${m}_b`)} AS ${b(i)}, ${sql.ref(`c.${m}_cum`)} AS ${c(i)}`))}
        FROM report_unit_cells c ${planCellsJoin(plan)}
        WHERE c.family = ${family} AND c.rows <> 0
        UNION ALL`
    : sql``;
  const boundsCols = names.flatMap((_, i) =>
    REPORT_FRACTIONS.flatMap((f, j) => {
      const at = (round: 'floor' | 'ceil') =>
        sql`${b(i)}[width_bucket(${sql.raw(round)}(${sql.lit(f)}::float8 * (${n(i)} - 1))::int, ${c(i)}) + 1]`;
      return [
        sql`min(${at('floor')}) FILTER (WHERE ${n(i)} > 0) AS ${bound('lo', i, j)}`,
        sql`max(${at('ceil')}) FILTER (WHERE ${n(i)} > 0) AS ${bound('hi', i, j)}`,
      ];
    }),
  );
  const sliceCols = names.flatMap((_, i) => [
    sql`s.${n(i)}`,
    ...REPORT_FRACTIONS.flatMap((_f, j) => {
      const first = sql`width_bucket(w.${bound('lo', i, j)} - 1, s.${b(i)})`;
      const last = sql`width_bucket(w.${bound('hi', i, j)}, s.${b(i)})`;
      return [
        sql`coalesce(s.${c(i)}[${first}], 0) AS ${sql.ref(`base_${i}_${j}`)}`,
        sql`s.${b(i)}[${first} + 1:${last}] AS ${sql.ref(`b_${i}_${j}`)}`,
        sql`s.${c(i)}[${first} + 1:${last}] AS ${sql.ref(`c_${i}_${j}`)}`,
      ];
    }),
  ]);
  const r = await sql<Record<string, unknown> & { key: string }>`
    WITH o AS MATERIALIZED (
      SELECT ${rows.key} AS key, ${sql.join(names.map((m, i) => sql`${rows.measures[m]} AS ${sql.ref(`v${i}`)}`))}
      FROM ${rows.source} x WHERE ${rows.where}
    ),
    oh AS (
      SELECT key, m, b, (sum(count(*)) OVER (PARTITION BY key, m ORDER BY b))::int AS cum
      FROM (${sql.join(bucketed, sql` UNION ALL `)}) z GROUP BY key, m, b
    ),
    parts AS MATERIALIZED (
      ${cells}
      SELECT key, ${sql.join(names.map((_, i) => sql`coalesce(array_agg(b ORDER BY b) FILTER (WHERE m = ${sql.lit(i)}), '{}') AS ${b(i)}, coalesce(array_agg(cum ORDER BY b) FILTER (WHERE m = ${sql.lit(i)}), '{}') AS ${c(i)}`))}
      FROM oh GROUP BY key
    ),
    sized AS MATERIALIZED (
      SELECT *, ${sql.join(names.map((_, i) => sql`coalesce(${c(i)}[cardinality(${c(i)})], 0) AS ${n(i)}`))} FROM parts
    ),
    bounds AS (SELECT key, ${sql.join(boundsCols)} FROM sized GROUP BY key)
    SELECT s.key, ${sql.join(sliceCols)} FROM sized s JOIN bounds w ON w.key = s.key`.execute(tx);

  // per key, measure and fraction: values counted below the range, and the range's buckets
  interface Range {
    n: number;
    below: number[];
    buckets: Map<number, number>[];
  }
  const groups = new Map<string, Range[]>();
  for (const row of r.rows) {
    let g = groups.get(row.key);
    if (!g) {
      g = names.map(() => ({
        n: 0,
        below: REPORT_FRACTIONS.map(() => 0),
        buckets: REPORT_FRACTIONS.map(() => new Map<number, number>()),
      }));
      groups.set(row.key, g);
    }
    for (const [i, range] of g.entries()) {
      range.n += Number(row[`n${i}`]);
      REPORT_FRACTIONS.forEach((_f, j) => {
        const base = Number(row[`base_${i}_${j}`]);
        range.below[j] += base;
        const bs = (row[`b_${i}_${j}`] as number[] | null) ?? [];
        const cs = (row[`c_${i}_${j}`] as number[] | null) ?? [];
        let prev = base;
        bs.forEach((bucket, k) => {
          const h = range.buckets[j];
          h.set(Number(bucket), (h.get(Number(bucket)) ?? 0) + Number(cs[k]) - prev);
          prev = Number(cs[k]);
        });
      });
    }
  }
  const out = new Map<string, Record<M, (number | null)[]>>();
  for (const [key, g] of groups) {
    const measures = {} as Record<M, (number | null)[]>;
    names.forEach((m, i) => {
      const { n: count, below, buckets } = g[i];
      measures[m] = REPORT_FRACTIONS.map((f, j) => {
        if (count === 0) return null;
        const sorted = [...buckets[j]].sort((x, y) => x[0] - y[0]);
        const at = (rank: number) => {
          let seen = below[j];
          for (const [bucket, k] of sorted) {
            seen += k;
            if (rank < seen) return bucketMidpoint(bucket);
          }
          throw new Error(`unit cells: rank ${rank} of ${key} outside its range`);
        };
        const pos = f * (count - 1);
        const lo = at(Math.floor(pos));
        return lo + (at(Math.ceil(pos)) - lo) * (pos - Math.floor(pos));
      });
    });
    out.set(key, measures);
  }
  return out;
}
