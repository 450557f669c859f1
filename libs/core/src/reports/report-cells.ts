import { sql, type RawBuilder } from 'kysely';
import type { ReportGroupBy } from '@ringcad/contracts';
import type { Tx } from '@ringcad/db';
import { REPORT_FRACTIONS } from './report-percentiles';

/**
 * Reading the report pre-aggregates (report_cells, migration 0025): the groups' sums over blocks
 * of whole local days, plus the rows the cells do not hold, merged; P50/P90 from the merged
 * histograms.
 *
 * Histogram buckets (report_bucket in SQL): 0.05 s wide below 5 s, then each 1 % wider than the
 * last. A percentile read from bucket midpoints is within {@link CELL_PERCENTILE_ERROR} of the
 * exact percentile_cont; counts, bulletin buckets and ring tiers are exact.
 */

/** The group-bys the cells hold (one family each); per-unit figures read assignment_metrics. */
export const CELL_FAMILIES = [
  'district',
  'station',
  'category',
  'priority',
  'hour',
  'day',
] as const;
export type CellFamily = (typeof CELL_FAMILIES)[number];

/** The bulletin thresholds the cells count (the contract's defaults); other thresholds read rows. */
export const CELL_BULLETIN = { ackWithinSec: 30, departWithinSec: 300, clearWithinSec: 1800 };

/**
 * Reports over fewer incidents than this are computed exactly from the rows (percentile_cont
 * over them costs little); larger ones take the percentiles from the cells' histograms.
 */
export const CELL_MIN_ROWS = 100_000;

/** How far a percentile from the cells may be from the exact one: the larger of the two. */
export const CELL_PERCENTILE_ERROR = { sec: 0.025, relative: 0.005 } as const;

/** Cell block sizes: 2^level days, largest first (as report_cells_apply writes them). */
const LEVELS = [9, 6, 3, 0] as const;
const LINEAR_BUCKETS = 100;
const LINEAR_WIDTH = 0.05;
const LOG_BASE = 5;
const LOG_RATIO = 1.01;
/** Asia/Shanghai: UTC+8 all year (as the local_day column, migration 0008). */
const LOCAL_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

export function isCellFamily(groupBy: ReportGroupBy): groupBy is CellFamily {
  return (CELL_FAMILIES as readonly string[]).includes(groupBy);
}

/**
 * Midpoints computed so far, by bucket (a report over 5,000 units asks for ~60,000); NaN for not
 * yet. Bucket 4,095 is already days long.
 */
const midpoints = new Float64Array(4096).fill(NaN);

/** The midpoint of a report_bucket bucket, in seconds. */
export function bucketMidpoint(bucket: number): number {
  const cached = bucket >= 0 && bucket < midpoints.length && Number.isInteger(bucket);
  if (cached && !Number.isNaN(midpoints[bucket])) return midpoints[bucket];
  let mid: number;
  if (bucket < LINEAR_BUCKETS) mid = (bucket + 0.5) * LINEAR_WIDTH;
  else {
    const lo = LOG_BASE * LOG_RATIO ** (bucket - LINEAR_BUCKETS);
    mid = (lo + lo * LOG_RATIO) / 2;
  }
  if (cached) midpoints[bucket] = mid;
  return mid;
}

/**
 * percentile_cont over a histogram: the values at the two ranks around f·(n−1), each taken as its
 * bucket's midpoint, interpolated as percentile_cont does. `entries` are [bucket, count].
 */
export function histogramPercentiles(
  entries: readonly (readonly [number, number])[],
  fractions: readonly number[] = REPORT_FRACTIONS,
): (number | null)[] {
  const sorted = entries.filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
  const n = sorted.reduce((s, [, c]) => s + c, 0);
  if (n === 0) return fractions.map(() => null);
  const at = (rank: number) => {
    let seen = 0;
    for (const [b, c] of sorted) {
      seen += c;
      if (rank < seen) return bucketMidpoint(b);
    }
    return bucketMidpoint(sorted[sorted.length - 1][0]);
  };
  return fractions.map((f) => {
    const pos = f * (n - 1);
    const lo = at(Math.floor(pos));
    return lo + (at(Math.ceil(pos)) - lo) * (pos - Math.floor(pos));
  });
}

/** The local (UTC+8) day number of an instant, and the instant a local day starts. */
const localDay = (t: Date) => Math.floor((t.getTime() + LOCAL_OFFSET_MS) / DAY_MS);
const dayStart = (day: number) => new Date(day * DAY_MS - LOCAL_OFFSET_MS);

export interface CellPlan {
  /** Local days [firstDay, endDay) read from cells (they may reach outside [from, to) where
   * no settled row lies); the rest of [from, to) from rows. */
  firstDay: number;
  endDay: number;
  blocks: { level: number; block: number }[];
  /** The rows outside whole days: [from, cellsFrom) and [cellsTo, to); inside, rows not in cells. */
  cellsFrom: Date;
  cellsTo: Date;
}

/**
 * The settled rows nearest the window on either side: the last created before `from` and the
 * first at or after `to` (null when none). Every cell day between them holds only rows of the
 * window (see {@link planCells}).
 */
export interface CellSlack {
  before: Date | null;
  after: Date | null;
}

/** How far before the window a block may begin when no settled row lies before it (days). */
const SLACK_DAYS = 2 ** LEVELS[0];

/**
 * The window's days as aligned blocks (largest first), or null when it holds none.
 *
 * Without `slack`, the whole local days inside [from, to). With it, a block may also take in
 * days that lie partly or wholly outside the window as long as no settled row there is outside
 * it: days after the last settled row before `from` and before the first at or after `to`. So a
 * window that runs up to now reads today's cell instead of today's rows, and a window around all
 * the rows of a year reads that year's block. The cells hold settled rows only; the rows not in
 * them are read from incident_metrics for the whole window either way.
 */
export function planCells(
  from: Date,
  to: Date,
  /** a report_cells family, or a report_unit_cells one (report-unit-cells.ts) */
  family: string,
  slack?: CellSlack,
): CellPlan | null {
  const wholeFirst =
    localDay(from) + (dayStart(localDay(from)).getTime() === from.getTime() ? 0 : 1);
  const wholeEnd = localDay(to);
  // the days a block may cover [lowest, highest)
  const lowest = !slack
    ? wholeFirst
    : slack.before
      ? localDay(slack.before) + 1
      : Math.floor((wholeFirst - SLACK_DAYS) / SLACK_DAYS) * SLACK_DAYS;
  const highest = !slack
    ? wholeEnd
    : slack.after
      ? localDay(slack.after)
      : Math.ceil((wholeEnd + SLACK_DAYS) / SLACK_DAYS) * SLACK_DAYS;
  // the days the window touches, as far as blocks may cover them
  const first = Math.max(lowest, slack ? localDay(from) : wholeFirst);
  const end = Math.min(highest, slack ? localDay(new Date(to.getTime() - 1)) + 1 : wholeEnd);
  if (first >= end) return null;
  const levels = family === 'day' ? [0] : LEVELS;
  const blocks: CellPlan['blocks'] = [];
  // the first block may begin before the first day (in the slack); the others follow on
  let floor = lowest;
  for (let d = first; d < end;) {
    const level =
      levels.find((l) => {
        const start = Math.floor(d / 2 ** l) * 2 ** l;
        return start >= floor && start + 2 ** l <= highest;
      }) ?? 0;
    const block = Math.floor(d / 2 ** level);
    blocks.push({ level, block });
    d = (block + 1) * 2 ** level;
    floor = d;
  }
  const startDay = blocks[0].block * 2 ** blocks[0].level;
  return {
    firstDay: startDay,
    endDay: floor,
    blocks,
    cellsFrom: dayStart(startDay),
    cellsTo: dayStart(floor),
  };
}

/** The slack around a window (see {@link planCells}): two index probes. */
export async function cellSlack(tx: Tx, from: Date, to: Date): Promise<CellSlack> {
  const r = await sql<{ before: Date | null; after: Date | null }>`
    SELECT (SELECT max(created_at) FROM incident_metrics WHERE in_cells AND created_at < ${from}) AS before,
      (SELECT min(created_at) FROM incident_metrics WHERE in_cells AND created_at >= ${to}) AS after`.execute(
    tx,
  );
  const row = r.rows[0];
  return {
    before: row.before ? new Date(row.before) : null,
    after: row.after ? new Date(row.after) : null,
  };
}

/** What one group sums to from the cells: counts by name, and the tier counts of the scheme. */
export interface CellSums {
  key: string;
  rows: number;
  counts: Record<'dispatched' | 'arrived' | 'ack_in' | 'depart_in' | 'clear_in', number>;
  /** [tier 0 met, …, ring met, rows counted] */
  met: number[];
}

/**
 * The cells' sums per group key (the day family's key is the day), or null when some cell has no
 * tier counts for this version of the scheme (added or edited since it was filled).
 */
export async function cellSums(
  tx: Tx,
  family: CellFamily,
  plan: CellPlan,
  schemeKey: string,
  tierCount: number,
): Promise<Map<string, CellSums> | null> {
  const r = await sql<{
    key: string;
    rows: number;
    dispatched: number;
    arrived: number;
    ack_in: number;
    depart_in: number;
    clear_in: number;
    met: number[] | null;
  }>`
    SELECT CASE WHEN c.family = 'day' THEN c.block::text ELSE c.group_key END AS key,
      c.rows, c.dispatched, c.arrived, c.ack_in, c.depart_in, c.clear_in, c.tiers -> ${schemeKey} AS met
    FROM report_cells c
    JOIN unnest(${plan.blocks.map((b) => b.level)}::int[], ${plan.blocks.map((b) => b.block)}::int[]) AS p(level, block)
      ON c.level = p.level AND c.block = p.block
    WHERE c.family = ${family} AND c.rows <> 0`.execute(tx);
  const out = new Map<string, CellSums>();
  for (const row of r.rows) {
    const met = row.met;
    // every row of the cell counted under this version of the scheme
    if (!met || met.length !== tierCount + 2 || met[tierCount + 1] !== row.rows) return null;
    let g = out.get(row.key);
    if (!g) {
      g = {
        key: row.key,
        rows: 0,
        counts: { dispatched: 0, arrived: 0, ack_in: 0, depart_in: 0, clear_in: 0 },
        met: new Array<number>(tierCount + 2).fill(0),
      };
      out.set(row.key, g);
    }
    g.rows += row.rows;
    for (const k of Object.keys(g.counts) as (keyof CellSums['counts'])[])
      g.counts[k] += Number(row[k]);
    met.forEach((v, i) => (g.met[i] += Number(v)));
  }
  return out;
}

/** The version key of a scheme's tier counts in the cells: `<id>:<md5 of its tiers>`. */
export async function cellSchemeKey(tx: Tx, schemeId: string): Promise<string | null> {
  const r = await sql<{ key: string }>`
    SELECT id || ':' || md5(tiers::text) AS key FROM ring_schemes WHERE id = ${schemeId}`.execute(
    tx,
  );
  return r.rows[0]?.key ?? null;
}

export type CellMeasure = 'dispatch' | 'ack' | 'arrive';
const CELL_MEASURES: readonly CellMeasure[] = ['dispatch', 'ack', 'arrive'];

/**
 * Merged histograms per group key and measure: the cells' and, bucketed alike, the values of the
 * rows outside them (`rows`: key and measures as SQL over incident_metrics m, already filtered).
 * The rows are bucketed in SQL; the cells' arrays are merged here (unnesting them in SQL cost
 * more than reading them: a day report's 35 cells hold ~36,000 buckets).
 */
export async function mergedHistograms(
  tx: Tx,
  family: CellFamily,
  plan: CellPlan | null,
  rows: {
    /** incident_metrics, or a subquery of its rows */
    source: RawBuilder<unknown>;
    key: RawBuilder<unknown>;
    where: RawBuilder<unknown>;
    measures: Record<CellMeasure, RawBuilder<unknown>>;
  },
): Promise<Map<string, Record<CellMeasure, [number, number][]>>> {
  const fromRows = CELL_MEASURES.map(
    (m, i) => sql`SELECT key, ${sql.lit(i)}::int AS m, report_bucket(${sql.ref(m)}) AS b, 1 AS n
      FROM raw WHERE ${sql.ref(m)} IS NOT NULL`,
  );
  const raw = await sql<{ key: string; m: number; b: number; n: number }>`
    WITH raw AS MATERIALIZED (
      SELECT ${rows.key} AS key, ${rows.measures.dispatch} AS dispatch, ${rows.measures.ack} AS ack,
        ${rows.measures.arrive} AS arrive
      FROM ${rows.source} m WHERE ${rows.where}
    )
    SELECT key, m, b, sum(n)::int AS n FROM (${sql.join(fromRows, sql` UNION ALL `)}) h
    GROUP BY 1, 2, 3`.execute(tx);
  const cells = plan
    ? (
        await sql<{ key: string } & Record<`${CellMeasure}_${'b' | 'c'}`, number[]>>`
          SELECT CASE WHEN c.family = 'day' THEN c.block::text ELSE c.group_key END AS key,
            c.dispatch_b, c.dispatch_c, c.ack_b, c.ack_c, c.arrive_b, c.arrive_c
          FROM report_cells c
          JOIN unnest(${plan.blocks.map((b) => b.level)}::int[], ${plan.blocks.map((b) => b.block)}::int[]) AS p(level, block)
            ON c.level = p.level AND c.block = p.block
          WHERE c.family = ${family} AND c.rows <> 0`.execute(tx)
      ).rows
    : [];
  const merged = new Map<string, Record<CellMeasure, Map<number, number>>>();
  const histogramOf = (key: string, m: CellMeasure) => {
    let g = merged.get(key);
    if (!g) merged.set(key, (g = { dispatch: new Map(), ack: new Map(), arrive: new Map() }));
    return g[m];
  };
  const add = (h: Map<number, number>, b: number, n: number) => h.set(b, (h.get(b) ?? 0) + n);
  for (const row of raw.rows)
    add(histogramOf(row.key, CELL_MEASURES[Number(row.m)]), Number(row.b), Number(row.n));
  for (const cell of cells)
    for (const m of CELL_MEASURES) {
      const h = histogramOf(cell.key, m);
      const b = cell[`${m}_b`];
      const c = cell[`${m}_c`];
      for (let i = 0; i < b.length; i++) add(h, Number(b[i]), Number(c[i]));
    }
  const out = new Map<string, Record<CellMeasure, [number, number][]>>();
  for (const [key, g] of merged)
    out.set(key, {
      dispatch: [...g.dispatch],
      ack: [...g.ack],
      arrive: [...g.arrive],
    });
  return out;
}
