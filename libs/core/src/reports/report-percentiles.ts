import { sql, type RawBuilder } from 'kysely';
import type { Tx } from '@ringcad/db';

/**
 * Exact grouped percentiles (percentile_cont semantics) without sorting every value.
 *
 * `percentile_cont … GROUP BY key` over a million rows sorts the rows by key, then every group's
 * values once per measure, on one core (ordered-set aggregates do not run in parallel): most of a
 * report's time. But a percentile only needs the values at two ranks. For a few large groups
 * (districts, hours, days…), `groupedPercentiles`:
 *
 * 1. samples a few percent of the table's pages (TABLESAMPLE SYSTEM) to see where each group's
 *    ranks fall, and takes per measure and fraction one window of values that holds them for
 *    every group: ±4 standard errors of each group's sample quantile, all groups together;
 * 2. scans once — a parallel hash aggregate, together with whatever else the report counts —
 *    counting each group's values below each window and collecting only the values inside it;
 * 3. sorts the small windows and reads the values at the ranks; the interpolation is the float8
 *    arithmetic percentile_cont does (`lo + (hi - lo) * frac`).
 *
 * Exact whatever the sample says: a window that missed a group's rank is detected (the rank falls
 * outside it) and percentile_cont computes that group in a second pass. Groups the sample saw too
 * little of, and the NULL key, are collected whole; a small table is left to percentile_cont.
 *
 * Many small groups (units) need every value anyway: `partitionPercentiles` (below).
 */

/** The fractions every report shows (P50, P90). */
export const REPORT_FRACTIONS = [0.5, 0.9] as const;

/** Rows the sample aims at (over the whole table; the report's filter keeps its share). */
const SAMPLE_ROWS = 60_000;
/**
 * Tables smaller than this are left to percentile_cont: sorting them all costs less than the
 * sample and the windows (100,000 incidents on PGlite: 0.2 s sorted, 0.3 s windowed).
 */
const MIN_SAMPLED_TABLE = 250_000;
/** Standard errors of the sample quantile a window reaches either side, plus a few ranks. */
const WINDOW_Z = 4;
const WINDOW_SLACK = 2;
/** Groups with fewer sampled values than this, or than 1/WINDOWED_SHARE of the best sampled group's, are collected whole. */
const MIN_SAMPLED = 20;
const WINDOWED_SHARE = 4;
/** Beyond any value (seconds): an open side of a window. */
const OPEN = 1e300;

export interface PercentileQuery<M extends string, A extends string> {
  /** The table the rows come from (sampled), its alias, and any further joins. */
  table: 'incident_metrics' | 'assignment_metrics';
  alias: 'm' | 'x';
  join?: RawBuilder<unknown>;
  where: RawBuilder<unknown>;
  /** The group key, its SQL type, and whether it can be NULL (a group of its own). */
  key: RawBuilder<unknown>;
  keyType: 'uuid' | 'text' | 'int';
  keyNullable: boolean;
  /** Measures in seconds (double precision, NULL when absent), by name. */
  measures: Record<M, RawBuilder<unknown>>;
  /** Further aggregates of each group, by name (counted in the same scan). */
  aggregates?: Record<A, RawBuilder<unknown>>;
}

export interface PercentileGroup<M extends string, A extends string> {
  key: string | number | null;
  /** Rows of the group. */
  rows: number;
  aggregates: Record<A, unknown>;
  /** Per measure, the value at each of REPORT_FRACTIONS (null when the group has none). */
  measures: Record<M, (number | null)[]>;
  /** The group's name when the statement read it too (null: it has none); otherwise looked up. */
  label?: string | null;
}

type Key = string | number;

/** For tests: force a sampling rate (%) or narrower windows, and see what happened. */
export interface PercentileOptions {
  samplePercent?: number;
  windowZ?: number;
  trace?: { sampled?: boolean; missed?: Key[] };
}

/**
 * Where to look for each measure's values at each fraction: one window [lo, hi] for all groups
 * (the union of where the sample places each group's ranks: comparing with a constant costs a row
 * next to nothing, looking up its group's own window costs a join), and the groups collected
 * whole instead.
 */
interface Windows {
  bounds: { lo: number; hi: number }[][];
  whole: Key[];
}

/**
 * Groups with their row counts, further aggregates and percentiles, for a few large groups
 * (windows placed by a sample, above); run it inside a transaction with enough work_mem.
 */
export async function groupedPercentiles<M extends string, A extends string = never>(
  tx: Tx,
  q: PercentileQuery<M, A>,
  options: PercentileOptions = {},
): Promise<PercentileGroup<M, A>[]> {
  const names = Object.keys(q.measures) as M[];
  const pct = options.samplePercent ?? (await samplePercent(tx, q.table));
  if (options.trace) options.trace.sampled = pct !== null;
  if (pct === null) return sorted(tx, q, names, null);
  const windows = await sampleWindows(tx, q, names, pct, options.windowZ ?? WINDOW_Z);
  // the planner cannot size report_collect's arrays, nor count groups of a computed key without
  // statistics, and would rather sort a million rows to group them than hash them
  await sql`SELECT set_config('enable_sort', 'off', true)`.execute(tx);
  const groups = await windowed(tx, q, names, windows);
  const missed = groups.filter((g) => g.missed).map((g) => g.key as Key);
  if (options.trace) options.trace.missed = missed;
  if (missed.length) {
    // the sample misled us about these groups: percentile_cont on them
    await sql`SELECT set_config('enable_sort', 'on', true)`.execute(tx);
    const again = new Map(
      (await sorted(tx, { ...q, aggregates: undefined }, names, missed)).map((g) => [g.key, g]),
    );
    for (const g of groups) if (g.missed) g.measures = again.get(g.key)?.measures ?? g.measures;
  }
  return groups.map(({ key, rows, aggregates, measures }) => ({ key, rows, aggregates, measures }));
}

/** A sampling rate (%) that gives about SAMPLE_ROWS rows of the table; null for a small table. */
async function samplePercent(tx: Tx, table: string): Promise<number | null> {
  // From the planner's statistics: reltuples is -1 until a table was first vacuumed or analysed
  // (pages tell roughly then), and a partitioned table's rows are its partitions' (autovacuum
  // never analyses the parent).
  const r = await sql<{ rows: number }>`
    SELECT sum(CASE WHEN c.reltuples >= 0 THEN c.reltuples ELSE pg_relation_size(c.oid) / 8192 * 30 END)::float8 AS rows
    FROM pg_class c
    WHERE (c.oid = ${table}::regclass AND c.relkind <> 'p')
       OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = ${table}::regclass)`.execute(
    tx,
  );
  const rows = Number(r.rows[0]?.rows ?? 0);
  return rows < MIN_SAMPLED_TABLE ? null : (100 * SAMPLE_ROWS) / rows;
}

/** Windows from a page sample: where each group's rank should fall, ± WINDOW_Z standard errors. */
async function sampleWindows<M extends string, A extends string>(
  tx: Tx,
  q: PercentileQuery<M, A>,
  names: M[],
  pct: number,
  z: number,
): Promise<Windows> {
  const cols = names.flatMap((_, i) =>
    REPORT_FRACTIONS.flatMap((f, j) => {
      const arr = sql.ref(`s${i}`);
      const n = sql`coalesce(cardinality(${arr}), 0)`;
      const rank = sql`(${sql.lit(f)}::float8 * (${n} - 1))`;
      const spread = sql`(${sql.lit(z)} * sqrt(${n} * ${sql.lit(f * (1 - f))}::float8) + ${sql.lit(WINDOW_SLACK)})`;
      // a subscript outside the sample is NULL: the window is open on that side
      return [
        sql`${n} AS ${sql.ref(`n_${i}_${j}`)}`,
        sql`${arr}[floor(${rank} - ${spread})::int + 1] AS ${sql.ref(`lo_${i}_${j}`)}`,
        sql`${arr}[ceil(${rank} + ${spread})::int + 1] AS ${sql.ref(`hi_${i}_${j}`)}`,
      ];
    }),
  );
  const r = await sql<Record<string, unknown>>`
    SELECT key, ${sql.join(cols)} FROM (
      SELECT ${q.key} AS key,
        ${sql.join(names.map((n, i) => sql`array_agg(${q.measures[n]} ORDER BY ${q.measures[n]}) FILTER (WHERE ${q.measures[n]} IS NOT NULL) AS ${sql.ref(`s${i}`)}`))}
      FROM ${sql.table(q.table)} ${sql.ref(q.alias)} TABLESAMPLE SYSTEM (${sql.lit(Math.max(pct, 0.01))}) REPEATABLE (110) ${q.join ?? sql``}
      WHERE ${q.where}
      GROUP BY 1
    ) s WHERE key IS NOT NULL`.execute(tx);
  // A window's width goes as 1/sqrt(sampled values): one group the sample barely saw (a partial
  // day at the edge of the range) would widen the shared window for all. Such groups are small:
  // they are collected whole instead.
  const sampled = (row: Record<string, unknown>) =>
    Math.min(...names.map((_, i) => Number(row[`n_${i}_0`])));
  const most = Math.max(0, ...r.rows.map(sampled));
  const bounds = names.map(() => REPORT_FRACTIONS.map(() => ({ lo: OPEN, hi: -OPEN })));
  const whole: Key[] = [];
  for (const row of r.rows) {
    if (sampled(row) < Math.max(MIN_SAMPLED, most / WINDOWED_SHARE)) {
      whole.push(row.key as Key);
      continue;
    }
    for (const [i] of names.entries()) {
      for (const [j] of REPORT_FRACTIONS.entries()) {
        const lo = row[`lo_${i}_${j}`];
        const hi = row[`hi_${i}_${j}`];
        const w = bounds[i][j];
        w.lo = Math.min(w.lo, lo === null ? -OPEN : Number(lo));
        w.hi = Math.max(w.hi, hi === null ? OPEN : Number(hi));
      }
    }
  }
  return { bounds, whole };
}

interface WindowedGroup<M extends string, A extends string> extends PercentileGroup<M, A> {
  missed: boolean;
}

/**
 * The scan: each group's count of values below the windows and its values inside them (all of
 * them for the groups collected whole, and a NULL key), and the values at the ranks. Groups the
 * sample never met are simply missed, and left to percentile_cont.
 */
async function windowed<M extends string, A extends string>(
  tx: Tx,
  q: PercentileQuery<M, A>,
  names: M[],
  windows: Windows,
): Promise<WindowedGroup<M, A>[]> {
  const aggregates = Object.entries(q.aggregates ?? {}) as [A, RawBuilder<unknown>][];
  // groups collected whole: the NULL key (never sampled), those the sample saw too little of
  const whole = (key: RawBuilder<unknown>): RawBuilder<unknown> | null => {
    const tests = [
      ...(q.keyNullable ? [sql`${key} IS NULL`] : []),
      ...(windows.whole.length
        ? [sql`${key} = ANY(${windows.whole}::${sql.raw(q.keyType)}[])`]
        : []),
    ];
    return tests.length ? sql`(${sql.join(tests, sql` OR `)})` : null;
  };
  const wholeRow = whole(q.key);
  const perMeasure = names.flatMap((n, i) => {
    const v = q.measures[n];
    return [
      sql`count(${v}) AS ${sql.ref(`n${i}`)}`,
      ...REPORT_FRACTIONS.flatMap((_f, j) => {
        const { lo, hi } = windows.bounds[i][j];
        const inside = sql`(${v} >= ${lo} AND ${v} <= ${hi})`;
        // a group collected whole puts everything in the first fraction's window
        return [
          sql`count(*) FILTER (WHERE ${v} < ${lo}) AS ${sql.ref(`below_${i}_${j}`)}`,
          sql`report_collect(${v}) FILTER (WHERE ${j === 0 && wholeRow ? sql`${inside} OR (${v} IS NOT NULL AND ${wholeRow})` : inside}) AS ${sql.ref(`w_${i}_${j}`)}`,
        ];
      }),
    ];
  });
  const sortedWindows = names.flatMap((_, i) =>
    REPORT_FRACTIONS.map(
      (_f, j) =>
        sql`(SELECT array_agg(v ORDER BY v) FROM unnest(g.${sql.ref(`w_${i}_${j}`)}) v) AS ${sql.ref(`s_${i}_${j}`)}`,
    ),
  );
  const collectedWhole = whole(sql`g.key`) ?? sql`FALSE`;
  const picks = names.flatMap((_, i) =>
    REPORT_FRACTIONS.map((f, j) => {
      const n = sql`g.${sql.ref(`n${i}`)}`;
      const arr = sql`CASE WHEN ${collectedWhole} THEN s.${sql.ref(`s_${i}_0`)} ELSE s.${sql.ref(`s_${i}_${j}`)} END`;
      const below = sql`CASE WHEN ${collectedWhole} THEN 0 ELSE g.${sql.ref(`below_${i}_${j}`)} END`;
      const at = (round: 'floor' | 'ceil') =>
        sql`(${arr})[(${sql.raw(round)}(${sql.lit(f)}::float8 * (${n} - 1)) - ${below})::int + 1]`;
      // out of the window, a subscript is NULL: the caller sees the miss
      return sql`CASE WHEN ${n} > 0 THEN ARRAY[${at('floor')}, ${at('ceil')}] END AS ${sql.ref(`p_${i}_${j}`)}`;
    }),
  );
  const r = await sql<Record<string, unknown>>`
    SELECT g.key, g.rows::int AS rows,
      ${sql.join([...aggregates.map(([a]) => sql`g.${sql.ref(a)}`), ...names.map((_, i) => sql`g.${sql.ref(`n${i}`)}::int AS ${sql.ref(`n${i}`)}`), ...picks])}
    FROM (
      SELECT ${q.key} AS key, count(*) AS rows,
        ${sql.join([...aggregates.map(([a, expr]) => sql`${expr} AS ${sql.ref(a)}`), ...perMeasure])}
      FROM ${sql.table(q.table)} ${sql.ref(q.alias)} ${q.join ?? sql``}
      WHERE ${q.where}
      GROUP BY 1
    ) g
    CROSS JOIN LATERAL (SELECT ${sql.join(sortedWindows)}) s`.execute(tx);
  return r.rows.map((row) => {
    let missed = false;
    const measures = {} as Record<M, (number | null)[]>;
    for (const [i, name] of names.entries()) {
      const count = Number(row[`n${i}`]);
      measures[name] = REPORT_FRACTIONS.map((f, j) => {
        const picked = row[`p_${i}_${j}`] as (number | null)[] | null;
        if (!picked || count === 0) return null;
        const [a, b] = picked;
        if (a === null || b === null) {
          missed = true;
          return null;
        }
        // percentile_cont: between the values at floor and ceil of f * (n - 1)
        const pos = f * (count - 1);
        return a + (b - a) * (pos - Math.floor(pos));
      });
    }
    const aggregates = Object.fromEntries(
      Object.keys(q.aggregates ?? {}).map((a) => [a, row[a]]),
    ) as Record<A, unknown>;
    return {
      key: row.key as string | number | null,
      rows: Number(row.rows),
      aggregates,
      measures,
      missed,
    };
  });
}

/**
 * The same for many small groups keyed by the partition key of a partitioned table (per-unit
 * figures over `assignment_metrics`): every value of a small group is needed anyway, so
 * percentile_cont sorts them — one partition per parallel worker (partitionwise aggregate).
 */
export async function partitionPercentiles<M extends string, A extends string = never>(
  tx: Tx,
  q: PercentileQuery<M, A>,
): Promise<PercentileGroup<M, A>[]> {
  await sql`SELECT set_config('enable_partitionwise_aggregate', 'on', true)`.execute(tx);
  return sorted(tx, q, Object.keys(q.measures) as M[], null);
}

/** percentile_cont over the groups (all of them, or those named), with the further aggregates. */
async function sorted<M extends string, A extends string>(
  tx: Tx,
  q: PercentileQuery<M, A>,
  names: M[],
  only: Key[] | null,
): Promise<PercentileGroup<M, A>[]> {
  const aggregates = Object.entries(q.aggregates ?? {}) as [A, RawBuilder<unknown>][];
  const r = await sql<Record<string, unknown>>`
    SELECT ${q.key} AS key, count(*)::int AS rows,
      ${sql.join([
        ...aggregates.map(([a, expr]) => sql`${expr} AS ${sql.ref(a)}`),
        ...names.map(
          (n, i) =>
            sql`percentile_cont(ARRAY[${sql.join(REPORT_FRACTIONS.map((f) => sql.lit(f)))}]) WITHIN GROUP (ORDER BY ${q.measures[n]}) AS ${sql.ref(`p${i}`)}`,
        ),
      ])}
    FROM ${sql.table(q.table)} ${sql.ref(q.alias)} ${q.join ?? sql``}
    WHERE ${q.where} ${only ? sql`AND ${q.key} = ANY(${only}::${sql.raw(q.keyType)}[])` : sql``}
    GROUP BY 1`.execute(tx);
  return r.rows.map((row) => ({
    key: row.key as string | number | null,
    rows: Number(row.rows),
    aggregates: Object.fromEntries(aggregates.map(([a]) => [a, row[a]])) as Record<A, unknown>,
    measures: Object.fromEntries(
      names.map((n, i) => [
        n,
        (row[`p${i}`] as number[] | null) ?? REPORT_FRACTIONS.map(() => null),
      ]),
    ) as Record<M, (number | null)[]>,
  }));
}
