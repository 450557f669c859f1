import { Injectable } from '@nestjs/common';
import type { AreaReplayQuery, AssignmentView } from '@ringcad/contracts';
import { isochrones, type IsochroneCollection } from '@ringcad/routing';
import { DatabaseService, DomainError, notFound, type Principal } from '../platform';
import { RoadNetworkService } from '../roads';
import { TimelineService } from '../incidents';
import { ScopeService, assertJurisdictionInScope } from '../auth';
import {
  assignmentTimes,
  replaySettings,
  incidentsOpenInDistrict,
  jurisdictionBox,
  unitStatusChanges,
  unitsByIds,
} from './replay.queries';
import {
  binaryReplay,
  columnarTrackJson,
  plainTrackPoints,
  replayTracks,
  type BinaryChunks,
  type ChunkEncoding,
  type ColumnarChunk,
  type ReplayReads,
  type TrackColumns,
} from './replay-tracks';

/** The task stages (接警 → 派警 → 签收 → 出发 → 到场 → 反馈) of one incident. */
export const REPLAY_STAGES = [
  'received',
  'created',
  'dispatched',
  'ack',
  'depart',
  'arrive',
  'clear',
] as const;
export type ReplayStage = (typeof REPLAY_STAGES)[number];

export interface StageMark {
  stage: ReplayStage;
  at: string | null;
  /** Seconds since the call was received. */
  sinceReceivedSec: number | null;
  /** Seconds since the previous stage that happened. */
  stepSec: number | null;
}

const NO_TRACK: TrackColumns = { ms: [], lon: [], lat: [] };
/** Track points further than this from the district's box are left out of an area replay. */
const AREA_MARGIN_DEG = 0.01;
const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null);
const secBetween = (a: number | null, b: number | null) =>
  a !== null && b !== null ? Math.round((b - a) / 100) / 10 : null;

function earliest(values: (number | null)[]): number | null {
  let best: number | null = null;
  for (const v of values) if (v !== null && (best === null || v < best)) best = v;
  return best;
}

/** Stage times of an incident from its assignments, counted as the metrics count them. */
export function replayStages(
  receivedAt: string,
  createdAt: string,
  assignments: readonly AssignmentView[],
): StageMark[] {
  const counted = assignments.filter((a) => a.status !== 'declined' || a.arrivedAt);
  const clears = counted.map((a) => ms(a.clearedAt)).filter((v): v is number => v !== null);
  const times: Record<ReplayStage, number | null> = {
    received: ms(receivedAt),
    created: ms(createdAt),
    dispatched: earliest(counted.map((a) => ms(a.assignedAt))),
    ack: earliest(counted.map((a) => ms(a.ackedAt ?? a.departedAt))),
    depart: earliest(counted.map((a) => ms(a.departedAt))),
    arrive: earliest(counted.map((a) => ms(a.arrivedAt))),
    clear: clears.length ? Math.max(...clears) : null,
  };
  let prev: number | null = null;
  return REPLAY_STAGES.map((stage) => {
    const at = times[stage];
    const mark: StageMark = {
      stage,
      at: at === null ? null : new Date(at).toISOString(),
      sinceReceivedSec: secBetween(times.received, at),
      stepSec: secBetween(prev, at),
    };
    if (at !== null) prev = at;
    return mark;
  });
}

import { RingSchemesService } from '../schemes';
@Injectable()
export class ReplayService {
  constructor(
    private readonly database: DatabaseService,
    private readonly timelines: TimelineService,
    private readonly roads: RoadNetworkService,
    private readonly scopes: ScopeService,
    private readonly schemes: RingSchemesService,
  ) {}

  /**
   * One incident for replay: its timeline (events, assignments, tracks, metrics), the stages with
   * durations, each unit's predicted ETA beside its actual travel, and the ring isochrones as they
   * were at the first dispatch (peak factor of that instant, not of now).
   */
  async incident(id: string, by: Principal) {
    const tl = await this.timelines.timeline(id, by);
    const stages = replayStages(tl.incident.receivedAt, tl.incident.createdAt, tl.assignments);
    const dispatchedAt = stages.find((s) => s.stage === 'dispatched')?.at ?? null;
    const scheme = await this.schemes.find(tl.incident.schemeId);
    const ringsAt = dispatchedAt ?? tl.incident.createdAt;
    const graph = this.roads.graph;
    let rings: {
      at: string;
      schemeId: string;
      minutes: number[];
      method: 'road';
      areas: IsochroneCollection;
    } | null = null;
    if (graph && scheme) {
      const minutes = [...new Set(scheme.tiers.map((t) => t.sec / 60))];
      rings = {
        at: ringsAt,
        schemeId: scheme.id,
        minutes,
        method: 'road',
        areas: isochrones(graph, tl.incident.location, minutes, {
          direction: 'to',
          at: new Date(ringsAt),
        }),
      };
    }
    const eta = tl.assignments.map((a) => {
      const assigned = ms(a.assignedAt);
      const departed = ms(a.departedAt);
      const arrived = ms(a.arrivedAt);
      const actualSec = secBetween(assigned, arrived);
      return {
        assignmentId: a.id,
        unitId: a.unitId,
        callsign: a.callsign,
        unitKind: a.unitKind,
        role: a.role,
        status: a.status,
        predictedSec: a.etaSec,
        method: a.etaMethod,
        /** Assigned → arrived: what the prediction promised. */
        actualSec,
        /** Departed → arrived: the drive itself. */
        driveSec: secBetween(departed, arrived),
        errorSec:
          actualSec !== null && a.etaSec !== null
            ? Math.round((actualSec - a.etaSec) * 10) / 10
            : null,
      };
    });
    return { ...tl, stages, rings, eta };
  }

  /**
   * A district over a time window: the incidents open in it (with their event times and units),
   * the units' tracks downsampled to the first plausible point of each unit's `stepSec` steps,
   * kept when inside the district's box (replay-tracks.ts: from the stored 15 s chunks when the
   * step allows, else from the raw tracks), and each unit's status changes.
   */
  async area(q: AreaReplayQuery, by: Principal) {
    const started = Date.now();
    assertJurisdictionInScope(await this.scopes.scopeOf(by), q.districtId);
    // each read in a transaction of its own (on a pool, its own connection), so that they
    // overlap: the stored chunks (most of a district-hour's database time) beside the raw ranges
    // and the incidents. Each sorts hundreds of thousands of points in memory, without JIT
    // compiling first (replaySettings)
    const read: ReplayReads = (fn) =>
      this.database.transaction(async (tx) => {
        await replaySettings(tx);
        return fn(tx);
      });
    const district = await jurisdictionBox(this.database.db, q.districtId);
    if (!district) throw notFound('jurisdiction', q.districtId);
    if (district.kind !== 'district')
      throw new DomainError(
        'VALIDATION_FAILED',
        `${q.districtId} is a ${district.kind}, not a district`,
      );
    const box = {
      w: district.w - AREA_MARGIN_DEG,
      s: district.s - AREA_MARGIN_DEG,
      e: district.e + AREA_MARGIN_DEG,
      n: district.n + AREA_MARGIN_DEG,
    };
    const encoding: Record<typeof q.format, ChunkEncoding | undefined> = {
      points: undefined,
      columnar: 'text',
      binary: 'binary',
    };
    const [incidents, assignments, { points, byUnit: tracks, columnarChunks }] = await Promise.all([
      read((db) => incidentsOpenInDistrict(db, q.districtId, q.from, q.to)),
      read((db) => assignmentTimes(db, q.districtId, q.from, q.to)),
      replayTracks(read, box, q.from, q.to, q.stepSec, { columnar: encoding[q.format] }),
    ]);
    const unitIds = [...new Set([...tracks.keys(), ...assignments.map((a) => a.unit_id)])];
    const [units, statuses] = unitIds.length
      ? await Promise.all([
          read((db) => unitsByIds(db, unitIds)),
          // the status each unit had when the window opened, then every change inside it
          read((db) => unitStatusChanges(db, unitIds, q.from, q.to)),
        ])
      : [[], []];
    const statusOf = new Map<string, [number, string][]>();
    for (const s of statuses) {
      let list = statusOf.get(s.unit_id);
      if (!list) statusOf.set(s.unit_id, (list = []));
      list.push([new Date(s.at).getTime(), s.status]);
    }
    const iso = (d: number | null) => (d === null ? null : new Date(d).toISOString());
    const assignmentsOf = new Map<string, typeof assignments>();
    for (const a of assignments) {
      const list = assignmentsOf.get(a.incident_id);
      if (list) list.push(a);
      else assignmentsOf.set(a.incident_id, [a]);
    }
    const common = {
      district: {
        id: district.id,
        name: district.name,
        bbox: [district.w, district.s, district.e, district.n],
      },
      from: q.from.toISOString(),
      to: q.to.toISOString(),
      stepSec: q.stepSec,
      incidents: incidents.map((i) => ({
        id: i.id,
        number: i.number,
        category: i.category,
        priority: i.priority,
        status: i.status,
        location: { lon: i.lon, lat: i.lat },
        receivedAt: iso(i.received_at),
        createdAt: iso(i.created_at),
        dispatchedAt: iso(i.dispatched_at),
        firstArrivedAt: iso(i.first_arrived_at),
        resolvedAt: iso(i.resolved_at),
        closedAt: iso(i.closed_at),
        cancelledAt: iso(i.cancelled_at),
        assignments: (assignmentsOf.get(i.id) ?? []).map((a) => ({
          unitId: a.unit_id,
          assignedAt: iso(a.assigned_at),
          ackedAt: iso(a.acked_at),
          departedAt: iso(a.departed_at),
          arrivedAt: iso(a.arrived_at),
          clearedAt: iso(a.cleared_at),
        })),
      })),
      points,
    };
    const unitRows = units
      .map((u) => ({
        unitId: u.id,
        callsign: u.callsign,
        kind: u.kind,
        statuses: statusOf.get(u.id) ?? [],
        track: tracks.get(u.id) ?? NO_TRACK,
      }))
      .sort((a, b) => a.callsign.localeCompare(b.callsign));
    if (q.format === 'binary') {
      // the head as JSON, the points as int32 sections: each track's stored runs copied as they
      // are (a district-hour holds ~400,000 points), the rest written point by point
      const tracksOf = unitRows.map((u) => ({
        track: u.track,
        // asked for as bytes (encoding binary)
        chunks: (columnarChunks.get(u.unitId) ?? []) as BinaryChunks[],
      }));
      return binaryReplay(q.from.getTime(), tracksOf, (counts) => ({
        ...common,
        format: 'binary' as const,
        units: unitRows.map(({ track: _t, ...u }, i) => ({ ...u, n: counts[i] })),
        tookMs: Date.now() - started,
      }));
    }
    if (q.format === 'columnar') {
      // the answer as text: each track's stored columnar chunks joined as they are (a district-hour
      // holds ~280,000 points), the rest printed as JSON.stringify prints it, in the same key order
      const head = JSON.stringify({ ...common, format: 'columnar' as const });
      const unitsJson = unitRows.map(({ track, ...u }) => {
        const json = JSON.stringify(u);
        // asked for as text (encoding text)
        const chunks = (columnarChunks.get(u.unitId) ?? []) as ColumnarChunk[];
        return `${json.slice(0, -1)},"track":${columnarTrackJson(track, chunks)}}`;
      });
      return `${head.slice(0, -1)},"units":[${unitsJson.join(',')}],"tookMs":${Date.now() - started}}`;
    }
    return {
      ...common,
      units: unitRows.map((u) => ({
        unitId: u.unitId,
        callsign: u.callsign,
        kind: u.kind,
        points: plainTrackPoints(u.track),
        statuses: u.statuses,
      })),
      tookMs: Date.now() - started,
    };
  }
}
