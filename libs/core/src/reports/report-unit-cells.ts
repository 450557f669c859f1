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
  // an edge that the cells cover is left out of the statement: each part is planned over every
  // partition of assignment_metrics (a window around all the rows has no edges)
  const edges = [
    ...(from < plan.cellsFrom
      ? [
          sql`SELECT * FROM assignment_metrics WHERE ${col} >= ${from} AND ${col} < ${plan.cellsFrom}`,
        ]
      : []),
    ...(plan.cellsTo < to
      ? [sql`SELECT * FROM assignment_metrics WHERE ${col} >= ${plan.cellsTo} AND ${col} < ${to}`]
      : []),
  ];
  return sql`(${sql.join(
    [
      ...edges,
      sql`SELECT * FROM assignment_metrics
      WHERE NOT in_cells AND ${col} >= ${plan.cellsFrom} AND ${col} < ${plan.cellsTo}`,
    ],
    sql` UNION ALL `,
  )})`;
}

/** The plan's cells of a family, as a join condition on report_unit_cells c. */
function planCellsJoin(plan: CellPlan): RawBuilder<unknown> {
  return sql`JOIN unnest(${plan.blocks.map((b) => b.level)}::int[], ${plan.blocks.map((b) => b.block)}::int[]) AS p(level, block)
    ON c.level = p.level AND c.block = p.block`;
}

/** What a unit report reads: the cells of a plan and the rows outside them, in one statement. */
export interface UnitCellRows<M extends string, S extends string> {
  /** assignment_metrics, or a subquery of its rows */
  source: RawBuilder<unknown>;
  /** the group key as stored (grouped as it is, cheaper than as text; shipped as text) */
  key: RawBuilder<unknown>;
  where: RawBuilder<unknown>;
  measures: Record<M, RawBuilder<unknown>>;
  /**
   * Counts summed per group: per row an int over x (0 or 1), per cell an int over c (the cell's
   * own count of the same thing).
   */
  sums: Record<S, { row: RawBuilder<unknown>; cell: RawBuilder<unknown> }>;
  /**
   * The groups' names, read in the same statement: a FROM item of (key text, label text) rows.
   * A report over thousands of units otherwise sent their ids back for a second look-up.
   */
  labels?: RawBuilder<unknown>;
}

/** A part's count below its group's range, and its buckets and cumulative counts inside it. */
type Slice = [number, number[] | null, number[] | null];

/**
 * One part as the statement ships it (see unitCellGroups): its key, its numbers (rows, the
 * sums, then per measure its count and the floor and ceil rank buckets of each fraction), in a
 * group of several parts its slices, and its group's label when asked for (null: none found).
 */
type PartRow = [string, (number | null)[], Slice[] | null, (string | null)?];

/** One group of a unit report: its rows, its sums and P50/P90 per measure. */
export interface UnitCellGroup<M extends string, S extends string> {
  key: string;
  rows: number;
  sums: Record<S, number>;
  measures: Record<M, (number | null)[]>;
  /** The group's label when the rows asked for labels (null: none found). */
  label?: string | null;
}

const b = (i: number) => sql.ref(`b${i}`);
const c = (i: number) => sql.ref(`c${i}`);
const s = (name: string) => sql.ref(`s_${name}`);
/** The values of a part in measure i (its last cumulative count, taken once per part). */
const countOf = (i: number) => sql`p.${sql.ref(`n${i}`)}`;
/** The last cumulative count of a histogram: its values. */
const lastCount = (cum: RawBuilder<unknown>) => sql`coalesce(${cum}[cardinality(${cum})], 0)`;

/** Percentile_cont between the values at two ranks, each its bucket's midpoint. */
function interpolate(f: number, count: number, lo: number, hi: number): number {
  const pos = f * (count - 1);
  const a = bucketMidpoint(lo);
  return a + (bucketMidpoint(hi) - a) * (pos - Math.floor(pos));
}

/**
 * Per group key: rows, sums and P50/P90 of each measure, from the cells of a plan and the rows
 * outside them, in one statement that reads each once. The rows outside (the partial days at the
 * edges, the rows not in the cells yet) are one more part of their group, bucketed alike. Every
 * part finds the buckets at its own ranks; a group of several parts (its window crosses blocks,
 * or has a partial edge day) bounds its range by those (see above) and ships, per part, its count
 * below the range and its buckets inside it, which are summed here.
 *
 * The cells' histograms are read once into the statement: they are large enough to be stored
 * out of line (TOAST) where a row outgrows its page share, and each use of such a column would
 * fetch it again (a dozen uses per cell: 0.3 s of a 0.4 s report over 5,000 units).
 */
export async function unitCellGroups<M extends 'dispatch' | 'ack' | 'arrive', S extends string>(
  tx: Tx,
  family: UnitCellFamily,
  plan: CellPlan | null,
  rows: UnitCellRows<M, S>,
): Promise<UnitCellGroup<M, S>[]> {
  const names = Object.keys(rows.measures) as M[];
  const sumNames = Object.keys(rows.sums) as S[];
  const sumCols = (pick: (name: S) => RawBuilder<unknown>) =>
    sumNames.map((n) => sql`, ${pick(n)} AS ${s(n)}`);
  const bucketed = names.map(
    (_m, i) =>
      sql`SELECT key, ${sql.lit(i)}::int AS m, report_bucket(${sql.ref(`v${i}`)}) AS b FROM o WHERE ${sql.ref(`v${i}`)} IS NOT NULL`,
  );
  /**
   * Every part with its histograms and counts (a cell: its level and block; the rows outside the
   * cells: -1, -1), or only the parts of the groups of several (`onlyMulti`). `|| '{}'` makes a
   * value of its own, so a histogram stored out of line is fetched once per part, and OFFSET 0
   * keeps the copies from being made again for each use of them.
   */
  const partsFrom = (onlyMulti: boolean) => {
    const cells = plan
      ? sql`SELECT c.group_key AS key, c.level::int AS lvl, c.block AS blk, c.rows ${sql.join(
          sumCols((n) => rows.sums[n].cell),
          sql` `,
        )}, ${sql.join(names.map((m, i) => sql`(${sql.ref(`c.${m}_b`)} || '{}'::int[]) AS ${b(i)}, (${sql.ref(`c.${m}_cum`)} || '{}'::int[]) AS ${c(i)}`))}
        FROM report_unit_cells c ${planCellsJoin(plan)}
        WHERE c.family = ${family} AND c.rows <> 0
          ${onlyMulti ? sql`AND c.group_key IN (SELECT key FROM multi)` : sql``}
        UNION ALL`
      : sql``;
    return sql`SELECT *, ${sql.join(names.map((_, i) => sql`${lastCount(c(i))} AS ${sql.ref(`n${i}`)}`))} FROM (
      ${cells}
      SELECT ok.key::text AS key, -1 AS lvl, -1 AS blk, ok.rows ${sql.join(
        sumNames.map((n) => sql`, ok.${s(n)}`),
        sql` `,
      )}, ${sql.join(names.map((_, i) => sql`coalesce(ohk.${b(i)}, '{}') AS ${b(i)}, coalesce(ohk.${c(i)}, '{}') AS ${c(i)}`))}
      FROM ok LEFT JOIN ohk ON ohk.key = ok.key
      ${onlyMulti ? sql`WHERE ok.key::text IN (SELECT key FROM multi)` : sql``}
      OFFSET 0) h`;
  };
  /** The bucket at a part's floor or ceil rank of fraction j in measure i (binary search). */
  const rankBucket = (i: number, j: number, round: 'floor' | 'ceil') =>
    sql`p.${b(i)}[width_bucket(${sql.raw(round)}(${sql.lit(REPORT_FRACTIONS[j])}::float8 * (${countOf(i)} - 1))::int, p.${c(i)}) + 1]`;
  // per measure: the part's count, then per fraction its floor and ceil rank buckets
  const rankCols = names.flatMap((_, i) => [
    countOf(i),
    ...REPORT_FRACTIONS.flatMap((_f, j) =>
      (['floor', 'ceil'] as const).map((round) => rankBucket(i, j, round)),
    ),
  ]);
  // a group's range per measure and fraction: a GROUP BY that keeps only the parts' ranks, not a
  // window partitioned by key, which sorted every part with its histograms (tens of thousands of
  // parts, kilobytes each, at 5,000 units)
  const boundCols = names.flatMap((_, i) =>
    REPORT_FRACTIONS.flatMap((_f, j) => [
      sql`min(${rankBucket(i, j, 'floor')}) FILTER (WHERE ${countOf(i)} > 0) AS ${sql.ref(`lo_${i}_${j}`)}`,
      sql`max(${rankBucket(i, j, 'ceil')}) FILTER (WHERE ${countOf(i)} > 0) AS ${sql.ref(`hi_${i}_${j}`)}`,
    ]),
  );
  // a part of a group of several: per measure and fraction, its count below the group's range
  // and its buckets and cumulative counts inside it (as JSON: parsed natively, not value by value)
  const slices = names.flatMap((_, i) =>
    REPORT_FRACTIONS.map((_f, j) => {
      const first = sql`width_bucket(k.${sql.ref(`lo_${i}_${j}`)} - 1, p.${b(i)})`;
      const last = sql`width_bucket(k.${sql.ref(`hi_${i}_${j}`)}, p.${b(i)})`;
      return sql`json_build_array(coalesce(p.${c(i)}[${first}], 0), p.${b(i)}[${first} + 1:${last}], p.${c(i)}[${first} + 1:${last}])`;
    }),
  );
  // The parts as one JSON text, parsed natively in one go instead of two dozen columns per part
  // (5,000 parts) one value at a time. The text is joined from array_to_string, not built with
  // json_build_array/json_agg: on PGlite that building was ~13 ms of CPU at 4,900 units (as
  // cheap either way on PostgreSQL 15). The keys and labels are written by to_json (escaped).
  const label = rows.labels ? sql`|| ',' || coalesce(to_json(l.label)::text, 'null')` : sql``;
  const r = await sql<{ parts: string | null }>`
    WITH o AS MATERIALIZED (
      SELECT ${rows.key} AS key,
        ${sql.join(names.map((m, i) => sql`${rows.measures[m]} AS ${sql.ref(`v${i}`)}`))}
        ${sql.join(
          sumCols((n) => rows.sums[n].row),
          sql` `,
        )}
      FROM ${rows.source} x WHERE ${rows.where}
    ),
    oh AS (
      SELECT key, m, b, (sum(count(*)) OVER (PARTITION BY key, m ORDER BY b))::int AS cum
      FROM (${sql.join(bucketed, sql` UNION ALL `)}) z GROUP BY key, m, b
    ),
    ohk AS (
      SELECT key, ${sql.join(names.map((_, i) => sql`array_agg(b ORDER BY b) FILTER (WHERE m = ${sql.lit(i)}) AS ${b(i)}, array_agg(cum ORDER BY b) FILTER (WHERE m = ${sql.lit(i)}) AS ${c(i)}`))}
      FROM oh GROUP BY key
    ),
    ok AS (
      SELECT key, count(*)::int AS rows ${sql.join(
        sumNames.map((n) => sql`, sum(${s(n)})::int AS ${s(n)}`),
        sql` `,
      )}
      FROM o GROUP BY key
    ),
    -- every part's numbers, found from its histograms as it is read (the histograms not kept)
    parts AS MATERIALIZED (
      SELECT p.key, p.lvl, p.blk, ARRAY[p.rows ${sql.join(
        sumNames.map((n) => sql`, p.${s(n)}`),
        sql` `,
      )}, ${sql.join(rankCols)}]::int[] AS nums
      FROM (${partsFrom(false)}) p
    ),
    -- the groups of several parts: most groups are one cell (a window in one block, no rows
    -- outside the cells) and need no range; theirs are read again with their histograms
    multi AS (SELECT key FROM parts GROUP BY key HAVING count(*) > 1),
    mparts AS MATERIALIZED (${partsFrom(true)}),
    bounds AS (SELECT p.key, ${sql.join(boundCols)} FROM mparts p GROUP BY p.key),
    slices AS (
      SELECT p.key, p.lvl, p.blk, json_build_array(${sql.join(slices)}) AS slices
      FROM mparts p JOIN bounds k ON k.key = p.key
    )
    SELECT '[' || string_agg('[' || coalesce(to_json(p.key)::text, 'null') || ',[' || array_to_string(p.nums, ',', 'null')
        || '],' || coalesce(s.slices::text, 'null') ${label} || ']', ',') || ']' AS parts
    FROM parts p LEFT JOIN slices s ON s.key = p.key AND s.lvl = p.lvl AND s.blk = p.blk
    ${rows.labels ? sql`LEFT JOIN ${rows.labels} l ON l.key = p.key` : sql``}`.execute(tx);

  const perMeasure = 1 + 2 * REPORT_FRACTIONS.length;
  const groups = new Map<string, PartRow[]>();
  const text = r.rows[0]?.parts;
  for (const part of text ? (JSON.parse(text) as PartRow[]) : []) {
    const list = groups.get(part[0]);
    if (list) list.push(part);
    else groups.set(part[0], [part]);
  }
  const sumsAt = 1;
  const measuresAt = sumsAt + sumNames.length;
  /** A part's count in measure i, and its bucket at the floor or ceil rank of fraction j. */
  const countIn = (p: PartRow, i: number) => p[1][measuresAt + i * perMeasure] as number;
  const rankIn = (p: PartRow, i: number, j: number, round: 0 | 1) =>
    p[1][measuresAt + i * perMeasure + 1 + j * 2 + round] as number;
  const out: UnitCellGroup<M, S>[] = [];
  for (const [key, list] of groups) {
    const measures = {} as Record<M, (number | null)[]>;
    names.forEach((m, i) => {
      let count = 0;
      for (const p of list) count += countIn(p, i);
      measures[m] = REPORT_FRACTIONS.map((f, j) => {
        if (count === 0) return null;
        if (list.length === 1)
          return interpolate(f, count, rankIn(list[0], i, j, 0), rankIn(list[0], i, j, 1));
        // the group's buckets inside its range: the parts' counts there, summed
        let below = 0;
        const buckets = new Map<number, number>();
        for (const p of list) {
          const [base, bs, cs] = (p[2] as Slice[])[i * REPORT_FRACTIONS.length + j];
          below += base;
          let prev = base;
          for (let k = 0; k < (bs?.length ?? 0); k++) {
            const bucket = (bs as number[])[k];
            const cum = (cs as number[])[k];
            buckets.set(bucket, (buckets.get(bucket) ?? 0) + cum - prev);
            prev = cum;
          }
        }
        const sorted = [...buckets].sort((x, y) => x[0] - y[0]);
        const at = (rank: number) => {
          let seen = below;
          for (const [bucket, k] of sorted) {
            seen += k;
            if (rank < seen) return bucket;
          }
          throw new Error(`unit cells: rank ${rank} of ${key} outside its range`);
        };
        const pos = f * (count - 1);
        return interpolate(f, count, at(Math.floor(pos)), at(Math.ceil(pos)));
      });
    });
    let rowsIn = 0;
    const sums = {} as Record<S, number>;
    sumNames.forEach((n) => (sums[n] = 0));
    for (const p of list) {
      rowsIn += p[1][0] as number;
      sumNames.forEach((n, k) => (sums[n] += p[1][sumsAt + k] ?? 0));
    }
    out.push({ key, rows: rowsIn, sums, measures, ...(rows.labels ? { label: list[0][3] } : {}) });
  }
  return out;
}
