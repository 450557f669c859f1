import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { LaggardsQuery, ReportGroupBy, ResponseTimesQuery } from '@ringcad/contracts';
import { UNIT_KINDS, type RingScheme, type RingTier } from '@ringcad/domain';
import type { DB, DbOrTx, Tx } from '@ringcad/db';
import { CITY_SCOPE, incidentScopeSql, type Scope } from '../auth';
import {
  cellSchemeKey,
  cellSlack,
  cellSums,
  histogramPercentiles,
  mergedHistograms,
  planCells,
  type CellFamily,
  type CellSums,
} from './report-cells';
import {
  groupedPercentiles,
  partitionPercentiles,
  type PercentileGroup,
  type PercentileQuery,
} from './report-percentiles';
import {
  rowsOutsideUnitCells,
  unitCellGroups,
  unitCellSlack,
  type UnitCellFamily,
} from './report-unit-cells';

/** Hashing and sorting a million rows in memory instead of on disk (one report query at a time per connection). */
const REPORT_WORK_MEM = '256MB';

/** The measures of one report level, as SQL over its source rows. */
interface Measures {
  /** The rows; their alias holds the incident's arrivals for the tiers. */
  source: Pick<PercentileQuery<never, never>, 'table' | 'alias' | 'join'>;
  where: RawBuilder<unknown>[];
  dispatched: RawBuilder<unknown>;
  dispatch: RawBuilder<unknown>;
  ack: RawBuilder<unknown>;
  depart: RawBuilder<unknown>;
  arrive: RawBuilder<unknown>;
  clear: RawBuilder<unknown>;
}

/** The SQL type of each report's group key. */
const KEY_TYPES = {
  district: 'uuid',
  station: 'uuid',
  unit: 'uuid',
  category: 'text',
  priority: 'int',
  hour: 'int',
  day: 'int',
} as const satisfies Record<ReportGroupBy, PercentileQuery<never, never>['keyType']>;

/** Keys that may be NULL (incidents outside every district, …); the others are NOT NULL columns or computed from one. */
const NULLABLE_KEYS = new Set<ReportGroupBy>(['district', 'station']);

/** Unit kinds with a `first_<kind>_arrival_sec` column: all of them (migration 0008; a new kind needs its column). */
const KIND_ARRIVAL_COLUMNS: ReadonlySet<string> = new Set(UNIT_KINDS);
/** Tiers of up to this many units of any kind read `arrival_<n>_sec`. */
const NTH_ARRIVAL_COLUMNS = 3;

/**
 * Whether a tier of a ring scheme was met, as SQL over `incident_metrics m` — the same rule as
 * `tiersMet` in libs/domain: at least `count` units of the tier's kinds on scene within `sec` of
 * the first dispatch. Arrivals are stored ascending, so the n-th arrival of any kind is
 * `arrive_secs[n]` (`arrival_<n>_sec` for n ≤ 3), and the first arrival of a kind is
 * `first_<kind>_arrival_sec` (`arrive_secs[array_position(arrive_kinds, kind)]`).
 */
export function tierMetSql(
  tier: Pick<RingTier, 'sec' | 'unitKinds' | 'count'>,
  alias: 'm' | 'x' = 'm',
): RawBuilder<unknown> {
  const need = tier.count ?? 1;
  const kinds = tier.unitKinds;
  const secs = sql.ref(`${alias}.arrive_secs`);
  const kindsCol = sql.ref(`${alias}.arrive_kinds`);
  if (!kinds || kinds.length === 0) {
    const nth =
      need <= NTH_ARRIVAL_COLUMNS
        ? sql.ref(`${alias}.arrival_${need}_sec`)
        : sql`${secs}[${sql.lit(need)}]`;
    return sql`coalesce(${nth} <= ${tier.sec}, false)`;
  }
  if (need === 1) {
    const firsts = kinds.map((k) =>
      KIND_ARRIVAL_COLUMNS.has(k)
        ? sql.ref(`${alias}.first_${k}_arrival_sec`)
        : sql`${secs}[array_position(${kindsCol}, ${k}::text)]`,
    );
    return sql`coalesce(LEAST(${sql.join(firsts)}) <= ${tier.sec}, false)`;
  }
  return sql`((SELECT count(*) FROM unnest(${secs}, ${kindsCol}) AS arrival(s, k)
               WHERE arrival.s <= ${tier.sec} AND arrival.k = ANY(${kinds}::text[])) >= ${need})`;
}

/**
 * Incident level: one row per incident. Unit level: one row per assignment (a unit's own times
 * from its assignment; the tiers are those of the incident it worked).
 */
function measures(groupBy: ReportGroupBy, from: Date, to: Date, scope: Scope): Measures {
  const inScope = incidentScopeSql(scope, 'm');
  const scoped = inScope ? [inScope] : [];
  if (groupBy !== 'unit') {
    const where = [sql`m.created_at >= ${from}`, sql`m.created_at < ${to}`, ...scoped];
    return {
      source: { table: 'incident_metrics', alias: 'm' },
      where,
      dispatched: sql`m.first_dispatch_at IS NOT NULL`,
      dispatch: sql`m.dispatch_sec`,
      ack: sql`m.ack_sec`,
      depart: sql`m.depart_sec`,
      arrive: sql`m.arrive_sec`,
      clear: sql`m.clear_sec`,
    };
  }
  // the scope columns live on the incident; the arrivals are copied onto each assignment row
  const join = inScope ? sql`JOIN incident_metrics m ON m.incident_id = x.incident_id` : undefined;
  const where = [
    sql`x.incident_created_at >= ${from}`,
    sql`x.incident_created_at < ${to}`,
    sql`x.counted`,
    ...scoped,
  ];
  return {
    source: { table: 'assignment_metrics', alias: 'x', join },
    where,
    dispatched: sql`TRUE`,
    dispatch: sql`x.dispatch_sec`,
    ack: sql`x.ack_sec`,
    depart: sql`x.depart_sec`,
    arrive: sql`x.arrive_sec`,
    clear: sql`x.clear_sec`,
  };
}

/**
 * Raw group keys (grouping uuids and integers is cheaper than text). Local hour and day are
 * columns (migration 0008): arithmetic on the epoch at UTC+8, as China has kept one fixed offset
 * since 1991; a time-zone conversion per row is what made these reports slow.
 */
function groupKey(groupBy: ReportGroupBy): RawBuilder<unknown> {
  switch (groupBy) {
    case 'district':
      return sql`m.district_id`;
    case 'station':
      return sql`m.station_id`;
    case 'category':
      return sql`m.category`;
    case 'priority':
      return sql`m.priority`;
    case 'hour':
      return sql`m.local_hour`;
    case 'day':
      return sql`m.local_day`;
    case 'unit':
      return sql`x.unit_id`;
  }
}

/** Session settings for one report's transaction (work_mem, no JIT). */
export async function applyReportSettings(tx: Tx): Promise<void> {
  // JIT would compile every aggregate again in each parallel worker and partition (~0.4 s of
  // CPU for the per-unit report) to save less than that on a million rows
  await sql`SELECT set_config('work_mem', ${REPORT_WORK_MEM}, true), set_config('jit', 'off', true)`.execute(
    tx,
  );
}

/**
 * The counted conditions of a report (see responseTimeGroups), each a boolean over one of its
 * rows: dispatched, the bulletin buckets, `tier<i>` per scheme tier, arrived and ring_met.
 */
function reportConditions(
  m: Measures,
  q: Pick<ResponseTimesQuery, 'ackWithinSec' | 'departWithinSec' | 'clearWithinSec'>,
  scheme: RingScheme,
): Record<string, RawBuilder<unknown>> {
  const conditions: Record<string, RawBuilder<unknown>> = {
    dispatched: m.dispatched,
    ack_in: sql`${m.ack} <= ${q.ackWithinSec}`,
    depart_in: sql`${m.depart} <= ${q.departWithinSec}`,
    clear_in: sql`${m.clear} <= ${q.clearWithinSec}`,
  };
  scheme.tiers.forEach(
    (t, i) => (conditions[`tier${i}`] = sql`${m.dispatched} AND ${tierMetSql(t, m.source.alias)}`),
  );
  // the ring figure a commander reads: of the incidents someone reached, those whose response
  // met at least one tier of the scheme (in time, with the tier's unit kinds and count)
  conditions.arrived = sql`${m.dispatched} AND ${m.arrive} IS NOT NULL`;
  conditions.ring_met = sql`${m.dispatched} AND ${m.arrive} IS NOT NULL AND (${sql.join(
    scheme.tiers.map((t) => tierMetSql(t, m.source.alias)),
    sql` OR `,
  )})`;
  return conditions;
}

/** The counted aggregates of a report (see responseTimeGroups), as SQL over its rows. */
function reportCounts(
  m: Measures,
  q: Pick<ResponseTimesQuery, 'ackWithinSec' | 'departWithinSec' | 'clearWithinSec'>,
  scheme: RingScheme,
): Record<string, RawBuilder<unknown>> {
  return Object.fromEntries(
    Object.entries(reportConditions(m, q, scheme)).map(([name, cond]) => [
      name,
      sql`count(*) FILTER (WHERE ${cond})::int`,
    ]),
  );
}

/**
 * One response-time report's groups: row counts, the counted aggregates (dispatched, bulletin
 * buckets `ack_in`/`depart_in`/`clear_in`, `tier<i>` per scheme tier) and P50/P90 of dispatch,
 * ack and arrival; run inside a transaction with the report settings.
 */
export function responseTimeGroups(
  tx: Tx,
  q: Pick<
    ResponseTimesQuery,
    'groupBy' | 'from' | 'to' | 'ackWithinSec' | 'departWithinSec' | 'clearWithinSec'
  >,
  scheme: RingScheme,
  scope: Scope,
): Promise<PercentileGroup<'dispatch' | 'ack' | 'arrive', string>[]> {
  const m = measures(q.groupBy, q.from, q.to, scope);
  // per-unit figures are many small groups, per-incident ones a few large ones
  const percentiles = q.groupBy === 'unit' ? partitionPercentiles : groupedPercentiles;
  return percentiles(tx, {
    ...m.source,
    where: sql.join(m.where, sql` AND `),
    key: groupKey(q.groupBy),
    keyType: KEY_TYPES[q.groupBy],
    keyNullable: NULLABLE_KEYS.has(q.groupBy),
    measures: { dispatch: m.dispatch, ack: m.ack, arrive: m.arrive },
    aggregates: reportCounts(m, q, scheme),
  });
}

/**
 * The same groups from the report pre-aggregates (report_cells, migration 0025) for a city-wide
 * report grouped by an incident attribute at the default bulletin thresholds: the cells of the
 * window's local days (a partial day at an edge too when no settled row of that day lies
 * outside the window: planCells), plus the rows they do not hold (the rest of a partial edge
 * day, incidents not settled yet) read from incident_metrics. Counts are the same as
 * responseTimeGroups'; percentiles come from histograms (report-cells.ts states their error).
 * Null when the cells cannot answer (the scheme was added or edited since they were filled).
 */
export async function responseTimeGroupsFromCells(
  tx: Tx,
  q: Pick<
    ResponseTimesQuery,
    'groupBy' | 'from' | 'to' | 'ackWithinSec' | 'departWithinSec' | 'clearWithinSec'
  > & { groupBy: CellFamily },
  scheme: RingScheme,
): Promise<PercentileGroup<'dispatch' | 'ack' | 'arrive', string>[] | null> {
  const schemeKey = await cellSchemeKey(tx, scheme.id);
  if (!schemeKey) return null;
  const plan = planCells(q.from, q.to, q.groupBy, await cellSlack(tx, q.from, q.to));
  const tiers = scheme.tiers.length;
  const fromCells = plan
    ? await cellSums(tx, q.groupBy, plan, schemeKey, tiers)
    : new Map<string, CellSums>();
  if (!fromCells) return null;
  const m = measures(q.groupBy, q.from, q.to, CITY_SCOPE);
  // the rows the cells do not hold, each part by its own index: the partial days at the edges,
  // and inside the whole days the rows not (yet) in the cells
  const outside = plan
    ? sql`(SELECT * FROM incident_metrics WHERE created_at >= ${q.from} AND created_at < ${plan.cellsFrom}
        UNION ALL SELECT * FROM incident_metrics WHERE created_at >= ${plan.cellsTo} AND created_at < ${q.to}
        UNION ALL SELECT * FROM incident_metrics
          WHERE NOT in_cells AND created_at >= ${plan.cellsFrom} AND created_at < ${plan.cellsTo})`
    : sql`incident_metrics`;
  const where = sql.join(m.where, sql` AND `);
  // keys as the cells spell them: text, '' for no district/station
  const key = sql`coalesce((${groupKey(q.groupBy)})::text, '')`;
  const counts = reportCounts(m, q, scheme);
  const raw = await sql<Record<string, unknown> & { key: string; rows: number }>`
    SELECT ${key} AS key, count(*)::int AS rows,
      ${sql.join(Object.entries(counts).map(([a, expr]) => sql`${expr} AS ${sql.ref(a)}`))}
    FROM ${outside} m WHERE ${where} GROUP BY 1`.execute(tx);
  const histograms = await mergedHistograms(tx, q.groupBy, plan, {
    source: outside,
    key,
    where,
    measures: { dispatch: m.dispatch, ack: m.ack, arrive: m.arrive },
  });
  const names = ['dispatched', 'ack_in', 'depart_in', 'clear_in', 'arrived', 'ring_met'];
  const groups = new Map<string, { rows: number; aggregates: Record<string, number> }>();
  const group = (k: string) => {
    let g = groups.get(k);
    if (!g) {
      const zero = Object.fromEntries(
        [...names, ...scheme.tiers.map((_, i) => `tier${i}`)].map((n) => [n, 0]),
      );
      groups.set(k, (g = { rows: 0, aggregates: zero }));
    }
    return g;
  };
  for (const r of raw.rows) {
    const g = group(r.key);
    g.rows += Number(r.rows);
    for (const n of Object.keys(g.aggregates)) g.aggregates[n] += Number(r[n]);
  }
  for (const c of fromCells.values()) {
    const g = group(c.key);
    g.rows += c.rows;
    for (const n of Object.keys(c.counts) as (keyof typeof c.counts)[])
      g.aggregates[n] += c.counts[n];
    for (let i = 0; i < tiers; i++) g.aggregates[`tier${i}`] += c.met[i];
    g.aggregates.ring_met += c.met[tiers];
  }
  const numeric = q.groupBy === 'priority' || q.groupBy === 'hour' || q.groupBy === 'day';
  return [...groups.entries()].map(([k, g]) => {
    const h = histograms.get(k);
    return {
      key: numeric ? Number(k) : k === '' ? null : k,
      rows: g.rows,
      aggregates: g.aggregates,
      measures: {
        dispatch: histogramPercentiles(h?.dispatch ?? []),
        ack: histogramPercentiles(h?.ack ?? []),
        arrive: histogramPercentiles(h?.arrive ?? []),
      },
    };
  });
}

/**
 * response-times?groupBy=unit from the per-unit pre-aggregates (report_unit_cells, migration
 * 0029) for a city-wide report at the default bulletin thresholds: the cells of the window's
 * days plus the assignment rows they do not hold, read once (report-unit-cells.ts). Counts as
 * responseTimeGroups'; percentiles from histograms. Null when the cells cannot answer (the scheme
 * was added or edited since they were filled).
 */
export async function unitResponseTimeGroupsFromCells(
  tx: Tx,
  q: Pick<
    ResponseTimesQuery,
    'from' | 'to' | 'ackWithinSec' | 'departWithinSec' | 'clearWithinSec'
  >,
  scheme: RingScheme,
): Promise<PercentileGroup<'dispatch' | 'ack' | 'arrive', string>[] | null> {
  const schemeKey = await cellSchemeKey(tx, scheme.id);
  if (!schemeKey) return null;
  const family = 'unit';
  const plan = planCells(q.from, q.to, family, await unitCellSlack(tx, family, q.from, q.to));
  const tiers = scheme.tiers.length;
  const m = measures('unit', q.from, q.to, CITY_SCOPE);
  const conditions = reportConditions(m, q, scheme);
  const met = (i: number) => sql`coalesce((c.tiers -> ${schemeKey} ->> ${sql.lit(i)})::int, 0)`;
  const cellCounts: Record<string, RawBuilder<unknown>> = {
    dispatched: sql`c.rows`,
    ack_in: sql`c.ack_in`,
    depart_in: sql`c.depart_in`,
    clear_in: sql`c.clear_in`,
    arrived: sql`c.arrived`,
    ring_met: met(tiers),
  };
  scheme.tiers.forEach((_, i) => (cellCounts[`tier${i}`] = met(i)));
  const sums: Record<string, { row: RawBuilder<unknown>; cell: RawBuilder<unknown> }> = {
    ...Object.fromEntries(
      Object.entries(conditions).map(([name, cond]) => [
        name,
        { row: sql`CASE WHEN ${cond} THEN 1 ELSE 0 END`, cell: cellCounts[name] },
      ]),
    ),
    // a cell not counted under this version of the scheme (every row of it) cannot answer
    stale: {
      row: sql`0`,
      cell: sql`CASE WHEN coalesce(jsonb_array_length(c.tiers -> ${schemeKey}) = ${tiers + 2}
        AND (c.tiers -> ${schemeKey} ->> ${sql.lit(tiers + 1)})::int = c.rows, false) THEN 0 ELSE 1 END`,
    },
  };
  const groups = await unitCellGroups(tx, family, plan, {
    source: rowsOutsideUnitCells(family, plan, q.from, q.to),
    key: sql`x.unit_id`,
    where: sql.join(m.where, sql` AND `),
    measures: { dispatch: m.dispatch, ack: m.ack, arrive: m.arrive },
    sums,
    // the callsigns with the figures: a second statement took the 4,900 ids back as a parameter
    labels: sql`(SELECT id::text AS key, callsign AS label FROM units)`,
  });
  if (groups.some((g) => g.sums.stale > 0)) return null;
  return groups.map((g) => {
    const { stale: _stale, ...aggregates } = g.sums;
    return { key: g.key, rows: g.rows, aggregates, measures: g.measures, label: g.label };
  });
}

/**
 * The laggards' groups from the per-unit pre-aggregates (families lag_unit, lag_station) for a
 * city-wide report: as laggardGroups, percentiles from histograms.
 */
export async function laggardGroupsFromCells(
  tx: Tx,
  q: Pick<LaggardsQuery, 'from' | 'to'>,
  groupBy: 'unit' | 'station',
): Promise<PercentileGroup<'ack' | 'arrive', never>[]> {
  const family: UnitCellFamily = groupBy === 'unit' ? 'lag_unit' : 'lag_station';
  const plan = planCells(q.from, q.to, family, await unitCellSlack(tx, family, q.from, q.to));
  const keyCol = groupBy === 'unit' ? sql`x.unit_id` : sql`x.station_id`;
  const groups = await unitCellGroups(tx, family, plan, {
    source: rowsOutsideUnitCells(family, plan, q.from, q.to),
    key: keyCol,
    where: sql`x.assigned_at >= ${q.from} AND x.assigned_at < ${q.to} AND x.counted AND ${keyCol} IS NOT NULL`,
    measures: { ack: sql`x.ack_sec`, arrive: sql`x.arrive_sec` },
    sums: {},
  });
  return groups
    .filter((g) => g.rows > 0)
    .map((g) => ({
      key: g.key,
      rows: g.rows,
      aggregates: {} as Record<never, unknown>,
      measures: g.measures,
    }));
}

/**
 * Per unit or per station, P50/P90 from assignment to 签收 and to arrival over the assignments
 * made in the window; run inside a transaction with the report settings.
 */
export function laggardGroups(
  tx: Tx,
  q: Pick<LaggardsQuery, 'from' | 'to'>,
  groupBy: 'unit' | 'station',
  scope: Scope,
): Promise<PercentileGroup<'ack' | 'arrive', never>[]> {
  const inScope = incidentScopeSql(scope, 'm');
  const join = inScope ? sql`JOIN incident_metrics m ON m.incident_id = x.incident_id` : undefined;
  const scoped = inScope ? sql`AND ${inScope}` : sql``;
  const keyCol = groupBy === 'unit' ? sql`x.unit_id` : sql`x.station_id`;
  const percentiles = groupBy === 'unit' ? partitionPercentiles : groupedPercentiles;
  return percentiles(tx, {
    table: 'assignment_metrics',
    alias: 'x',
    join,
    where: sql`x.assigned_at >= ${q.from} AND x.assigned_at < ${q.to} AND x.counted AND ${keyCol} IS NOT NULL ${scoped}`,
    key: keyCol,
    keyType: 'uuid',
    keyNullable: false,
    measures: { ack: sql`x.ack_sec`, arrive: sql`x.arrive_sec` },
  });
}

export async function jurisdictionNames(db: DbOrTx, ids: readonly string[]) {
  const r = await sql<
    Pick<Selectable<DB['jurisdictions']>, 'id' | 'name'>
  >`SELECT id::text AS id, name FROM jurisdictions WHERE id = ANY(${ids}::uuid[])`.execute(db);
  return r.rows;
}

export async function unitCallsigns(db: DbOrTx, ids: readonly string[]) {
  // the ids as one text, split in the database: a report over 5,000 units passed them as an
  // array the driver escaped element by element
  const r = await sql<
    Pick<Selectable<DB['units']>, 'id' | 'callsign'>
  >`SELECT id::text AS id, callsign FROM units WHERE id = ANY(string_to_array(${ids.join(',')}, ',')::uuid[])`.execute(
    db,
  );
  return r.rows;
}
