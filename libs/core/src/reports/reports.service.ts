import { Injectable } from '@nestjs/common';
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
  PRIORITY_LABELS,
  type IncidentCategory,
  type Priority,
} from '@ringcad/domain';
import type { Tx } from '@ringcad/db';
import { ScopeService } from '../auth';
import { DatabaseService, type Principal } from '../platform';
import {
  applyReportSettings,
  jurisdictionNames,
  laggardGroups,
  laggardGroupsFromCells,
  responseTimeGroups,
  responseTimeGroupsFromCells,
  unitCallsigns,
  unitResponseTimeGroupsFromCells,
} from './reports.queries';
import { CELL_BULLETIN, CELL_MIN_ROWS, CELL_PERCENTILE_ERROR, isCellFamily } from './report-cells';

const round2 = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(Number(v))
    ? null
    : Math.round(Number(v) * 100) / 100;

/** The `limit` rows with the highest figure (ties by key). */
function worst(
  list: LaggardRow[],
  f: (r: LaggardRow) => number | null,
  limit: number,
): LaggardRow[] {
  return list
    .filter((r) => f(r) !== null)
    .sort((a, b) => (f(b) as number) - (f(a) as number) || a.key.localeCompare(b.key))
    .slice(0, limit);
}

/**
 * Response-time reports computed in SQL over `incident_metrics`, the per-incident figures that
 * triggers keep current in the same transaction as every assignment change. One parallel scan per
 * report gives the counts, the ring tiers and exact percentiles (report-percentiles.ts).
 */
import { RingSchemesService } from '../schemes';
@Injectable()
export class ReportsService {
  constructor(
    private readonly database: DatabaseService,
    private readonly scopes: ScopeService,
    private readonly schemes: RingSchemesService,
  ) {}

  async responseTimes(q: ResponseTimesQuery, by: Principal): Promise<ResponseTimesReport> {
    const started = Date.now();
    const scheme = await this.schemes.require(q.scheme, 'scheme');
    const scope = await this.scopes.scopeOf(by);
    const fromCells = this.cellsCanAnswer(q, scope.kind === 'city');
    const rows = await this.withReportSettings(async (tx) => {
      const cells = !fromCells
        ? null
        : isCellFamily(q.groupBy)
          ? await responseTimeGroupsFromCells(tx, { ...q, groupBy: q.groupBy }, scheme)
          : await unitResponseTimeGroupsFromCells(tx, q, scheme);
      // a small report is exact: sorting its rows costs less than being approximate
      if (cells && cells.reduce((n, g) => n + g.rows, 0) >= CELL_MIN_ROWS) return cells;
      return { exact: await responseTimeGroups(tx, q, scheme, scope) };
    });
    const exact = 'exact' in rows;
    const groupRows = 'exact' in rows ? rows.exact : rows;
    const keyOf = (k: string | number | null) => this.keyText(q.groupBy, k);
    // the per-unit cells name their units in the same statement
    const labels = groupRows.every((r) => r.label !== undefined)
      ? new Map(groupRows.flatMap((r) => (r.label === null ? [] : [[keyOf(r.key), r.label]])))
      : await this.labels(
          q.groupBy,
          groupRows.map((r) => keyOf(r.key)).filter((k) => k !== ''),
        );
    const pctOf = (n: number, of: number) => (of > 0 ? Math.round((n / of) * 10_000) / 100 : null);
    const groups = groupRows.map((r): ResponseTimeGroup => {
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
        arrived: Number(c.arrived),
        ringMet: Number(c.ring_met),
        ringMetPct: pctOf(Number(c.ring_met), Number(c.arrived)),
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
      scheme: {
        id: scheme.id,
        tiers: scheme.tiers.map((t) => ({
          sec: t.sec,
          unitKinds: t.unitKinds,
          count: t.count ?? 1,
        })),
      },
      buckets: {
        ackWithinSec: q.ackWithinSec,
        departWithinSec: q.departWithinSec,
        clearWithinSec: q.clearWithinSec,
      },
      groups,
      percentiles: this.percentilesMethod(exact),
      tookMs: Date.now() - started,
    };
  }

  /**
   * Whether the report pre-aggregates hold what this report needs: a city-wide report (cells are
   * not kept per grid or scope) grouped by an incident attribute (report_cells) or by unit
   * (report_unit_cells), at the default bulletin thresholds. The other reports read
   * incident_metrics (exact, slower).
   */
  private cellsCanAnswer(q: ResponseTimesQuery, cityWide: boolean): boolean {
    return (
      cityWide &&
      // per unit on PGlite too: the cells are read in one statement since migration 0030, as the
      // laggards read them there (bench/reports.ts, embedded: laggards from the cells p50 135 ms,
      // groupBy=unit from the rows 756 ms); the exact scan was faster than 0029's reads
      (isCellFamily(q.groupBy) || q.groupBy === 'unit') &&
      q.ackWithinSec === CELL_BULLETIN.ackWithinSec &&
      q.departWithinSec === CELL_BULLETIN.departWithinSec &&
      q.clearWithinSec === CELL_BULLETIN.clearWithinSec
    );
  }

  /** Units and stations with the worst P90 from assignment to 签收 and to arrival. */
  async laggards(q: LaggardsQuery, by: Principal): Promise<LaggardsReport> {
    const scope = await this.scopes.scopeOf(by);
    let histogram = false;
    // two scans side by side on PostgreSQL (two connections; PGlite queues them)
    const level = async (groupBy: 'unit' | 'station') => {
      const groups = await this.withReportSettings(async (tx) => {
        // city-wide: the per-unit pre-aggregates, when they hold enough to be worth it
        if (scope.kind === 'city') {
          const cells = await laggardGroupsFromCells(tx, q, groupBy);
          if (cells.reduce((n, g) => n + g.rows, 0) >= CELL_MIN_ROWS) {
            histogram = true;
            return cells;
          }
        }
        return laggardGroups(tx, q, groupBy, scope);
      });
      const ranked = groups
        .filter((g) => g.rows >= q.minAssignments)
        .map((g): LaggardRow => ({
          key: String(g.key),
          label: null,
          assignments: g.rows,
          ackP50Sec: round2(g.measures.ack[0]),
          ackP90Sec: round2(g.measures.ack[1]),
          arriveP50Sec: round2(g.measures.arrive[0]),
          arriveP90Sec: round2(g.measures.arrive[1]),
        }));
      const byAck = worst(ranked, (r) => r.ackP90Sec, q.limit);
      const byArrive = worst(ranked, (r) => r.arriveP90Sec, q.limit);
      const labels = await this.labels(groupBy, [
        ...new Set([...byAck, ...byArrive].map((r) => r.key)),
      ]);
      const named = (list: LaggardRow[]) =>
        list.map((r) => ({ ...r, label: labels.get(r.key) ?? null }));
      return { byAck: named(byAck), byArrive: named(byArrive) };
    };
    const [units, stations] = await Promise.all([level('unit'), level('station')]);
    return {
      from: q.from.toISOString(),
      to: q.to.toISOString(),
      minAssignments: q.minAssignments,
      units,
      stations,
      percentiles: this.percentilesMethod(!histogram),
    };
  }

  /** How a report's P50/P90 were computed, as the answer states it. */
  private percentilesMethod(exact: boolean): ResponseTimesReport['percentiles'] {
    return exact
      ? { method: 'exact', maxErrorSec: 0, maxErrorPct: 0 }
      : {
          method: 'histogram',
          maxErrorSec: CELL_PERCENTILE_ERROR.sec,
          maxErrorPct: CELL_PERCENTILE_ERROR.relative * 100,
        };
  }

  private withReportSettings<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.database.transaction(async (tx) => {
      await applyReportSettings(tx);
      return fn(tx);
    });
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
      if (keys.length)
        for (const j of await jurisdictionNames(this.database.db, keys)) out.set(j.id, j.name);
    } else if (groupBy === 'unit') {
      if (keys.length)
        for (const u of await unitCallsigns(this.database.db, keys)) out.set(u.id, u.callsign);
    } else if (groupBy === 'category') {
      for (const k of keys)
        if (k in CATEGORY_LABELS) out.set(k, CATEGORY_LABELS[k as IncidentCategory].zh);
    } else if (groupBy === 'priority') {
      for (const k of keys)
        if (k in PRIORITY_LABELS) out.set(k, PRIORITY_LABELS[Number(k) as Priority].zh);
    } else if (groupBy === 'hour') {
      for (const k of keys) out.set(k, `${k}:00`);
    }
    return out;
  }

  private compareKeys(groupBy: ReportGroupBy, a: string, b: string): number {
    if (groupBy === 'priority' || groupBy === 'hour' || groupBy === 'day')
      return a < b ? -1 : a > b ? 1 : 0;
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

/** U+FEFF, written as the bytes EF BB BF: tells Excel the CSV is UTF-8. */
export const CSV_BOM = '\uFEFF';

export const csvCell = (v: string | number | null | undefined) => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The same report as CSV: one row per group, tiers as `tier1MetPct`…, then the bulletin buckets. */
export function responseTimesCsv(r: ResponseTimesReport): string {
  const header = [
    ...CSV_COLUMNS,
    ...r.scheme.tiers.map((_, i) => `tier${i + 1}MetPct`),
    'ackWithinPct',
    'departWithinPct',
    'clearWithinPct',
  ];
  const lines = [header.join(',')];
  for (const g of r.groups) {
    lines.push(
      [
        ...CSV_COLUMNS.map((c) => g[c]),
        ...(g.tierMetPct as (number | null)[]),
        g.ackWithinPct,
        g.departWithinPct,
        g.clearWithinPct,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  // a UTF-8 byte order mark first: Excel on Chinese Windows otherwise reads the file as GBK and
  // garbles every Chinese label
  return `${CSV_BOM}${lines.join('\r\n')}\r\n`;
}
