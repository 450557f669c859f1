import { Injectable } from '@nestjs/common';
import { sql, type RawBuilder } from 'kysely';
import type {
  LaggardRow,
  LaggardsQuery,
  LaggardsReport,
  ReportGroupBy,
  ResponseTimeGroup,
  ResponseTimesQuery,
  ResponseTimesReport,
} from '@ringcad/contracts';
import {
  CATEGORY_LABELS,
  findScheme,
  PRIORITY_LABELS,
  type IncidentCategory,
  type Priority,
  type RingTier,
  type UnitKind,
} from '@ringcad/domain';
import type { Tx } from '@ringcad/db';
import { ScopeService, incidentScopeSql, type Scope } from '../auth';
import { DatabaseService, DomainError, type Principal } from '../platform';
import { groupedPercentiles, partitionPercentiles, type PercentileQuery } from './report-percentiles';

/** Hashing and sorting a million rows in memory instead of on disk (one report query at a time per connection). */
const REPORT_WORK_MEM = '256MB';

const round2 = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(Number(v)) ? null : Math.round(Number(v) * 100) / 100);

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

/** The `limit` rows with the highest figure (ties by key). */
function worst(list: LaggardRow[], f: (r: LaggardRow) => number | null, limit: number): LaggardRow[] {
  return list
    .filter((r) => f(r) !== null)
    .sort((a, b) => (f(b) as number) - (f(a) as number) || a.key.localeCompare(b.key))
    .slice(0, limit);
}

/** Unit kinds with a `first_<kind>_arrival_sec` column (migration 0008). */
const KIND_ARRIVAL_COLUMNS = new Set<string>(['foot', 'kiosk', 'patrol_car', 'motorcycle', 'swat', 'traffic', 'station_car'] satisfies UnitKind[]);
/** Tiers of up to this many units of any kind read `arrival_<n>_sec`. */
const NTH_ARRIVAL_COLUMNS = 3;

/**
 * Whether a tier of a ring scheme was met, as SQL over `incident_metrics m` — the same rule as
 * `tiersMet` in libs/domain: at least `count` units of the tier's kinds on scene within `sec` of
 * the first dispatch. Arrivals are stored ascending, so the n-th arrival of any kind is
 * `arrive_secs[n]` (`arrival_<n>_sec` for n ≤ 3), and the first arrival of a kind is
 * `first_<kind>_arrival_sec` (`arrive_secs[array_position(arrive_kinds, kind)]`).
 */
export function tierMetSql(tier: Pick<RingTier, 'sec' | 'unitKinds' | 'count'>, alias: 'm' | 'x' = 'm'): RawBuilder<unknown> {
  const need = tier.count ?? 1;
  const kinds = tier.unitKinds;
  const secs = sql.ref(`${alias}.arrive_secs`);
  const kindsCol = sql.ref(`${alias}.arrive_kinds`);
  if (!kinds || kinds.length === 0) {
    const nth = need <= NTH_ARRIVAL_COLUMNS ? sql.ref(`${alias}.arrival_${need}_sec`) : sql`${secs}[${sql.lit(need)}]`;
    return sql`coalesce(${nth} <= ${tier.sec}, false)`;
  }
  if (need === 1) {
    const firsts = kinds.map((k) =>
      KIND_ARRIVAL_COLUMNS.has(k) ? sql.ref(`${alias}.first_${k}_arrival_sec`) : sql`${secs}[array_position(${kindsCol}, ${k}::text)]`,
    );
    return sql`coalesce(LEAST(${sql.join(firsts)}) <= ${tier.sec}, false)`;
  }
  return sql`((SELECT count(*) FROM unnest(${secs}, ${kindsCol}) AS arrival(s, k)
               WHERE arrival.s <= ${tier.sec} AND arrival.k = ANY(${kinds}::text[])) >= ${need})`;
}

/**
 * Response-time reports computed in SQL over `incident_metrics`, the per-incident figures that
 * triggers keep current in the same transaction as every assignment change. One parallel scan per
 * report gives the counts, the ring tiers and exact percentiles (report-percentiles.ts).
 */
@Injectable()
export class ReportsService {
  constructor(
    private readonly database: DatabaseService,
    private readonly scopes: ScopeService,
  ) {}

  async responseTimes(q: ResponseTimesQuery, by: Principal): Promise<ResponseTimesReport> {
    const started = Date.now();
    const scheme = findScheme(q.scheme);
    if (!scheme) throw new DomainError('VALIDATION_FAILED', `unknown ring scheme ${q.scheme}`);
    const measures = this.measures(q.groupBy, q.from, q.to, await this.scopes.scopeOf(by));
    const counts: Record<string, RawBuilder<unknown>> = {
      dispatched: sql`count(*) FILTER (WHERE ${measures.dispatched})::int`,
      ack_in: sql`count(*) FILTER (WHERE ${measures.ack} <= ${q.ackWithinSec})::int`,
      depart_in: sql`count(*) FILTER (WHERE ${measures.depart} <= ${q.departWithinSec})::int`,
      clear_in: sql`count(*) FILTER (WHERE ${measures.clear} <= ${q.clearWithinSec})::int`,
    };
    scheme.tiers.forEach((t, i) => (counts[`tier${i}`] = sql`count(*) FILTER (WHERE ${measures.dispatched} AND ${tierMetSql(t, measures.source.alias)})::int`));
    // per-unit figures are many small groups, per-incident ones a few large ones
    const percentiles = q.groupBy === 'unit' ? partitionPercentiles : groupedPercentiles;
    const rows = await this.withReportSettings((tx) =>
      percentiles(tx, {
        ...measures.source,
        where: sql.join(measures.where, sql` AND `),
        key: this.groupKey(q.groupBy),
        keyType: KEY_TYPES[q.groupBy],
        keyNullable: NULLABLE_KEYS.has(q.groupBy),
        measures: { dispatch: measures.dispatch, ack: measures.ack, arrive: measures.arrive },
        aggregates: counts,
      }),
    );
    const keyOf = (k: string | number | null) => this.keyText(q.groupBy, k);
    const labels = await this.labels(q.groupBy, rows.map((r) => keyOf(r.key)).filter((k) => k !== ''));
    const pctOf = (n: number, of: number) => (of > 0 ? Math.round((n / of) * 10_000) / 100 : null);
    const groups = rows.map((r): ResponseTimeGroup => {
      const k = keyOf(r.key);
      const c = r.aggregates;
      const dispatched = Number(c.dispatched);
      return {
        key: k,
        label: labels.get(k) ?? (k === '' ? '—' : undefined),
        // a unit serves an incident once (a unit cannot hold two active assignments, and is not
        // re-assigned to an incident it declined): at unit level too, rows are incidents
        incidents: r.rows,
        dispatched,
        dispatchP50Sec: round2(r.measures.dispatch[0]),
        dispatchP90Sec: round2(r.measures.dispatch[1]),
        ackP50Sec: round2(r.measures.ack[0]),
        ackP90Sec: round2(r.measures.ack[1]),
        arriveP50Sec: round2(r.measures.arrive[0]),
        arriveP90Sec: round2(r.measures.arrive[1]),
        tierMetPct: scheme.tiers.map((_, i) => pctOf(Number(c[`tier${i}`]), dispatched) as number),
        ackWithinPct: pctOf(Number(c.ack_in), dispatched),
        departWithinPct: pctOf(Number(c.depart_in), dispatched),
        clearWithinPct: pctOf(Number(c.clear_in), dispatched),
      };
    });
    groups.sort((a, b) => this.compareKeys(q.groupBy, a.key, b.key));
    return {
      from: q.from.toISOString(),
      to: q.to.toISOString(),
      groupBy: q.groupBy,
      scheme: { id: scheme.id, tiers: scheme.tiers.map((t) => ({ sec: t.sec, unitKinds: t.unitKinds, count: t.count ?? 1 })) },
      buckets: { ackWithinSec: q.ackWithinSec, departWithinSec: q.departWithinSec, clearWithinSec: q.clearWithinSec },
      groups,
      tookMs: Date.now() - started,
    };
  }

  /** Units and stations with the worst P90 from assignment to 签收 and to arrival. */
  async laggards(q: LaggardsQuery, by: Principal): Promise<LaggardsReport> {
    const inScope = incidentScopeSql(await this.scopes.scopeOf(by), 'm');
    const join = inScope ? sql`JOIN incident_metrics m ON m.incident_id = x.incident_id` : undefined;
    const scoped = inScope ? sql`AND ${inScope}` : sql``;
    // two scans side by side on PostgreSQL (two connections; PGlite queues them)
    const level = async (keyCol: RawBuilder<unknown>, groupBy: 'unit' | 'station') => {
      const percentiles = groupBy === 'unit' ? partitionPercentiles : groupedPercentiles;
      const groups = await this.withReportSettings((tx) =>
        percentiles(tx, {
          table: 'assignment_metrics',
          alias: 'x',
          join,
          where: sql`x.assigned_at >= ${q.from} AND x.assigned_at < ${q.to} AND x.counted AND ${keyCol} IS NOT NULL ${scoped}`,
          key: keyCol,
          keyType: 'uuid',
          keyNullable: false,
          measures: { ack: sql`x.ack_sec`, arrive: sql`x.arrive_sec` },
        }),
      );
      const ranked = groups
        .filter((g) => g.rows >= q.minAssignments)
        .map(
          (g): LaggardRow => ({
            key: String(g.key),
            label: null,
            assignments: g.rows,
            ackP50Sec: round2(g.measures.ack[0]),
            ackP90Sec: round2(g.measures.ack[1]),
            arriveP50Sec: round2(g.measures.arrive[0]),
            arriveP90Sec: round2(g.measures.arrive[1]),
          }),
        );
      const byAck = worst(ranked, (r) => r.ackP90Sec, q.limit);
      const byArrive = worst(ranked, (r) => r.arriveP90Sec, q.limit);
      const labels = await this.labels(groupBy, [...new Set([...byAck, ...byArrive].map((r) => r.key))]);
      const named = (list: LaggardRow[]) => list.map((r) => ({ ...r, label: labels.get(r.key) ?? null }));
      return { byAck: named(byAck), byArrive: named(byArrive) };
    };
    const [units, stations] = await Promise.all([level(sql`x.unit_id`, 'unit'), level(sql`x.station_id`, 'station')]);
    return {
      from: q.from.toISOString(),
      to: q.to.toISOString(),
      minAssignments: q.minAssignments,
      units,
      stations,
    };
  }

  private withReportSettings<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.database.transaction(async (tx) => {
      // JIT would compile every aggregate again in each parallel worker and partition (~0.4 s of
      // CPU for the per-unit report) to save less than that on a million rows
      await sql`SELECT set_config('work_mem', ${REPORT_WORK_MEM}, true), set_config('jit', 'off', true)`.execute(tx);
      return fn(tx);
    });
  }

  /**
   * Incident level: one row per incident. Unit level: one row per assignment (a unit's own times
   * from its assignment; the tiers are those of the incident it worked).
   */
  private measures(groupBy: ReportGroupBy, from: Date, to: Date, scope: Scope): Measures {
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
    const where = [sql`x.incident_created_at >= ${from}`, sql`x.incident_created_at < ${to}`, sql`x.counted`, ...scoped];
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
  private groupKey(groupBy: ReportGroupBy): RawBuilder<unknown> {
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

  /** The key as the report shows it: hours as "08", days as "2026-11-21", ids as they are. */
  private keyText(groupBy: ReportGroupBy, key: string | number | null): string {
    if (key === null) return '';
    if (groupBy === 'hour') return String(key).padStart(2, '0');
    if (groupBy === 'day') return new Date(Number(key) * 86_400_000).toISOString().slice(0, 10);
    return String(key);
  }

  private async labels(groupBy: ReportGroupBy, keys: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (groupBy === 'district' || groupBy === 'station') {
      if (keys.length) {
        const r = await sql<{ id: string; name: string }>`SELECT id::text AS id, name FROM jurisdictions WHERE id = ANY(${keys}::uuid[])`.execute(
          this.database.db,
        );
        for (const j of r.rows) out.set(j.id, j.name);
      }
    } else if (groupBy === 'unit') {
      if (keys.length) {
        const r = await sql<{ id: string; callsign: string }>`SELECT id::text AS id, callsign FROM units WHERE id = ANY(${keys}::uuid[])`.execute(
          this.database.db,
        );
        for (const u of r.rows) out.set(u.id, u.callsign);
      }
    } else if (groupBy === 'category') {
      for (const k of keys) if (k in CATEGORY_LABELS) out.set(k, CATEGORY_LABELS[k as IncidentCategory].zh);
    } else if (groupBy === 'priority') {
      for (const k of keys) if (k in PRIORITY_LABELS) out.set(k, PRIORITY_LABELS[Number(k) as Priority].zh);
    } else if (groupBy === 'hour') {
      for (const k of keys) out.set(k, `${k}:00`);
    }
    return out;
  }

  private compareKeys(groupBy: ReportGroupBy, a: string, b: string): number {
    if (groupBy === 'priority' || groupBy === 'hour' || groupBy === 'day') return a < b ? -1 : a > b ? 1 : 0;
    return a.localeCompare(b);
  }
}

const CSV_COLUMNS = [
  'key',
  'label',
  'incidents',
  'dispatched',
  'dispatchP50Sec',
  'dispatchP90Sec',
  'ackP50Sec',
  'ackP90Sec',
  'arriveP50Sec',
  'arriveP90Sec',
] as const;

const csvCell = (v: string | number | null | undefined) => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The same report as CSV: one row per group, tiers as `tier1MetPct`…, then the bulletin buckets. */
export function responseTimesCsv(r: ResponseTimesReport): string {
  const header = [...CSV_COLUMNS, ...r.scheme.tiers.map((_, i) => `tier${i + 1}MetPct`), 'ackWithinPct', 'departWithinPct', 'clearWithinPct'];
  const lines = [header.join(',')];
  for (const g of r.groups) {
    lines.push(
      [...CSV_COLUMNS.map((c) => g[c]), ...(g.tierMetPct as (number | null)[]), g.ackWithinPct, g.departWithinPct, g.clearWithinPct].map(csvCell).join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
