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
import { CATEGORY_LABELS, findScheme, PRIORITY_LABELS, type IncidentCategory, type Priority, type RingTier } from '@ringcad/domain';
import type { Tx } from '@ringcad/db';
import { DatabaseService } from './database.service';
import { DomainError } from './errors';
import type { Principal } from './principal';

/** Local day and hour of the command centre: Asia/Shanghai, UTC+8 all year. */
const UTC_OFFSET_SEC = 8 * 3600;
/** Sorting a million rows in memory instead of on disk (one report query at a time per connection). */
const REPORT_WORK_MEM = '256MB';

const round2 = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(Number(v)) ? null : Math.round(Number(v) * 100) / 100);

/** The measures of one report level, as SQL over its source rows. */
interface Measures {
  /** Rows for the counts; `alias` holds the incident's arrivals for the tiers. */
  from: RawBuilder<unknown>;
  alias: 'm' | 'x';
  where: RawBuilder<unknown>[];
  /** Rows for the percentiles (may skip the join the counts need). */
  percentileFrom: RawBuilder<unknown>;
  percentileWhere: RawBuilder<unknown>[];
  incidents: RawBuilder<unknown>;
  dispatched: RawBuilder<unknown>;
  dispatch: RawBuilder<unknown>;
  ack: RawBuilder<unknown>;
  depart: RawBuilder<unknown>;
  arrive: RawBuilder<unknown>;
  clear: RawBuilder<unknown>;
}

interface PercentileRow {
  key: string | number | null;
  dispatch: number[] | null;
  ack: number[] | null;
  arrive: number[] | null;
}

type CountRow = { key: string | number | null; incidents: number; dispatched: number; ack_in: number; depart_in: number; clear_in: number } & Record<
  `tier${number}`,
  number
>;

/**
 * Whether a tier of a ring scheme was met, as SQL over `incident_metrics m` — the same rule as
 * `tiersMet` in libs/domain: at least `count` units of the tier's kinds on scene within `sec` of
 * the first dispatch. Arrivals are stored ascending, so the n-th arrival of any kind is
 * `arrive_secs[n]`, and the first arrival of a kind is at `array_position(arrive_kinds, kind)`.
 */
export function tierMetSql(tier: Pick<RingTier, 'sec' | 'unitKinds' | 'count'>, alias: 'm' | 'x' = 'm'): RawBuilder<unknown> {
  const need = tier.count ?? 1;
  const kinds = tier.unitKinds;
  const secs = sql.ref(`${alias}.arrive_secs`);
  const kindsCol = sql.ref(`${alias}.arrive_kinds`);
  if (!kinds || kinds.length === 0) return sql`coalesce(${secs}[${sql.lit(need)}] <= ${tier.sec}, false)`;
  if (need === 1) {
    const firsts = kinds.map((k) => sql`${secs}[array_position(${kindsCol}, ${k}::text)]`);
    return sql`coalesce(LEAST(${sql.join(firsts)}) <= ${tier.sec}, false)`;
  }
  return sql`((SELECT count(*) FROM unnest(${secs}, ${kindsCol}) AS arrival(s, k)
               WHERE arrival.s <= ${tier.sec} AND arrival.k = ANY(${kinds}::text[])) >= ${need})`;
}

/**
 * Response-time reports computed in SQL (percentile_cont) over `incident_metrics`, the per-incident
 * figures that triggers keep current in the same transaction as every assignment change.
 */
@Injectable()
export class ReportsService {
  constructor(private readonly database: DatabaseService) {}

  async responseTimes(q: ResponseTimesQuery, by: Principal): Promise<ResponseTimesReport> {
    const started = Date.now();
    const scheme = findScheme(q.scheme);
    if (!scheme) throw new DomainError('VALIDATION_FAILED', `unknown ring scheme ${q.scheme}`);
    const measures = this.measures(q.groupBy, q.from, q.to, by);
    const key = this.groupKey(q.groupBy);
    const where = sql.join(measures.where, sql` AND `);
    const percentileWhere = sql.join(measures.percentileWhere, sql` AND `);
    const tiers = scheme.tiers.map((t, i) => sql`count(*) FILTER (WHERE ${measures.dispatched} AND ${tierMetSql(t, measures.alias)})::int AS ${sql.ref(`tier${i}`)}`);
    // Two scans: the ordered-set aggregates cannot run in parallel, the counts can; on
    // PostgreSQL they also run side by side on two connections (PGlite queues them).
    const [percentiles, counts] = await Promise.all([
      this.withWorkMem((tx) =>
        sql<PercentileRow>`
          SELECT ${key} AS key,
            percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY ${measures.dispatch}) AS dispatch,
            percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY ${measures.ack}) AS ack,
            percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY ${measures.arrive}) AS arrive
          FROM ${measures.percentileFrom} WHERE ${percentileWhere} GROUP BY 1`.execute(tx),
      ),
      this.withWorkMem((tx) =>
        sql<CountRow>`
          SELECT ${key} AS key, ${measures.incidents}::int AS incidents,
            count(*) FILTER (WHERE ${measures.dispatched})::int AS dispatched,
            count(*) FILTER (WHERE ${measures.ack} <= ${q.ackWithinSec})::int AS ack_in,
            count(*) FILTER (WHERE ${measures.depart} <= ${q.departWithinSec})::int AS depart_in,
            count(*) FILTER (WHERE ${measures.clear} <= ${q.clearWithinSec})::int AS clear_in
            ${tiers.length ? sql`, ${sql.join(tiers)}` : sql``}
          FROM ${measures.from} WHERE ${where} GROUP BY 1`.execute(tx),
      ),
    ]);
    const keyOf = (k: string | number | null) => this.keyText(q.groupBy, k);
    const byKey = new Map(percentiles.rows.map((r) => [keyOf(r.key), r]));
    const labels = await this.labels(q.groupBy, counts.rows.map((r) => keyOf(r.key)).filter((k) => k !== ''));
    const pctOf = (n: number, of: number) => (of > 0 ? Math.round((n / of) * 10_000) / 100 : null);
    const groups = counts.rows.map((c): ResponseTimeGroup => {
      const k = keyOf(c.key);
      const p = byKey.get(k);
      const dispatched = Number(c.dispatched);
      return {
        key: k,
        label: labels.get(k) ?? (k === '' ? '—' : undefined),
        incidents: Number(c.incidents),
        dispatched,
        dispatchP50Sec: round2(p?.dispatch?.[0]),
        dispatchP90Sec: round2(p?.dispatch?.[1]),
        ackP50Sec: round2(p?.ack?.[0]),
        ackP90Sec: round2(p?.ack?.[1]),
        arriveP50Sec: round2(p?.arrive?.[0]),
        arriveP90Sec: round2(p?.arrive?.[1]),
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
    const scope = this.scopeOf(by);
    const join = scope ? sql`JOIN incident_metrics m ON m.incident_id = x.incident_id` : sql``;
    const scoped = scope ? sql`AND (m.district_id = ${scope} OR m.station_id = ${scope} OR m.grid_id = ${scope})` : sql``;
    const level = (keyCol: RawBuilder<unknown>, labels: RawBuilder<unknown>) =>
      this.withWorkMem((tx) =>
        sql<{ key: string; label: string | null; n: number; ack: number[] | null; arrive: number[] | null }>`
          SELECT g.key::text AS key, l.label, g.n, g.ack, g.arrive FROM (
            SELECT ${keyCol} AS key, count(*)::int AS n,
              percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY x.ack_sec) AS ack,
              percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY x.arrive_sec) AS arrive
            FROM assignment_metrics x ${join}
            WHERE x.assigned_at >= ${q.from} AND x.assigned_at < ${q.to} AND x.counted AND ${keyCol} IS NOT NULL ${scoped}
            GROUP BY 1 HAVING count(*) >= ${q.minAssignments}
          ) g LEFT JOIN LATERAL (${labels}) l ON true`.execute(tx),
      );
    const [units, stations] = await Promise.all([
      level(sql`x.unit_id`, sql`SELECT callsign AS label FROM units WHERE id = g.key`),
      level(sql`x.station_id`, sql`SELECT name AS label FROM jurisdictions WHERE id = g.key`),
    ]);
    const rows = (r: { rows: { key: string; label: string | null; n: number; ack: number[] | null; arrive: number[] | null }[] }) =>
      r.rows.map(
        (x): LaggardRow => ({
          key: x.key,
          label: x.label,
          assignments: Number(x.n),
          ackP50Sec: round2(x.ack?.[0]),
          ackP90Sec: round2(x.ack?.[1]),
          arriveP50Sec: round2(x.arrive?.[0]),
          arriveP90Sec: round2(x.arrive?.[1]),
        }),
      );
    const worst = (list: LaggardRow[], f: (r: LaggardRow) => number | null) =>
      list
        .filter((r) => f(r) !== null)
        .sort((a, b) => (f(b) as number) - (f(a) as number) || a.key.localeCompare(b.key))
        .slice(0, q.limit);
    const u = rows(units);
    const s = rows(stations);
    return {
      from: q.from.toISOString(),
      to: q.to.toISOString(),
      minAssignments: q.minAssignments,
      units: { byAck: worst(u, (r) => r.ackP90Sec), byArrive: worst(u, (r) => r.arriveP90Sec) },
      stations: { byAck: worst(s, (r) => r.ackP90Sec), byArrive: worst(s, (r) => r.arriveP90Sec) },
    };
  }

  private withWorkMem<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.database.transaction(async (tx) => {
      await sql`SELECT set_config('work_mem', ${REPORT_WORK_MEM}, true)`.execute(tx);
      return fn(tx);
    });
  }

  private scopeOf(by: Principal): string | null {
    return by.kind === 'user' ? by.jurisdictionId : null;
  }

  /**
   * Incident level: one row per incident. Unit level: one row per assignment (a unit's own times
   * from its assignment; the tiers are those of the incident it worked).
   */
  private measures(groupBy: ReportGroupBy, from: Date, to: Date, by: Principal): Measures {
    const scope = this.scopeOf(by);
    const scoped = scope ? [sql`(m.district_id = ${scope} OR m.station_id = ${scope} OR m.grid_id = ${scope})`] : [];
    if (groupBy !== 'unit') {
      const where = [sql`m.created_at >= ${from}`, sql`m.created_at < ${to}`, ...scoped];
      return {
        from: sql`incident_metrics m`,
        alias: 'm',
        where,
        percentileFrom: sql`incident_metrics m`,
        percentileWhere: where,
        incidents: sql`count(*)`,
        dispatched: sql`m.first_dispatch_at IS NOT NULL`,
        dispatch: sql`m.dispatch_sec`,
        ack: sql`m.ack_sec`,
        depart: sql`m.depart_sec`,
        arrive: sql`m.arrive_sec`,
        clear: sql`m.clear_sec`,
      };
    }
    // the scope columns live on the incident; the arrivals are copied onto each assignment row
    const source = scope ? sql`assignment_metrics x JOIN incident_metrics m ON m.incident_id = x.incident_id` : sql`assignment_metrics x`;
    const where = [sql`x.incident_created_at >= ${from}`, sql`x.incident_created_at < ${to}`, sql`x.counted`, ...scoped];
    return {
      from: source,
      alias: 'x',
      where,
      percentileFrom: source,
      percentileWhere: where,
      // a unit serves an incident once (a unit cannot hold two active assignments, and is not
      // re-assigned to an incident it declined): its assignments are its incidents
      incidents: sql`count(*)`,
      dispatched: sql`TRUE`,
      dispatch: sql`x.dispatch_sec`,
      ack: sql`x.ack_sec`,
      depart: sql`x.depart_sec`,
      arrive: sql`x.arrive_sec`,
      clear: sql`x.clear_sec`,
    };
  }

  /**
   * Raw group keys (sorting uuids and integers is cheaper than text). Local hour and day are
   * arithmetic on the epoch at UTC+8: China has kept one fixed offset since 1991, and a time-zone
   * conversion per row is what made these reports slow.
   */
  private groupKey(groupBy: ReportGroupBy): RawBuilder<unknown> {
    const localEpoch = sql`(date_part('epoch', m.created_at) + ${sql.lit(UTC_OFFSET_SEC)})`;
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
        return sql`(floor(${localEpoch} / 3600)::bigint % 24)::int`;
      case 'day':
        return sql`floor(${localEpoch} / 86400)::int`;
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
