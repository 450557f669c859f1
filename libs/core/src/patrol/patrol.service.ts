import { Injectable } from '@nestjs/common';
import type {
  LiveVisibilityQuery,
  LiveVisibilityView,
  PatrolComplianceView,
  PatrolPlanRequest,
  PatrolPlanView,
  VisibilityQuery,
  VisibilityView,
} from '@ringcad/contracts';
import {
  BINS,
  MATCH_CHUNK_MS,
  MATCH_LEAD_MS,
  binAreas,
  chunkOf,
  segmentTiles,
  tileOf,
  visibilityFromChunks,
  visibilityFromHours,
  HOUR_MS,
  inArea,
  lastPassBySegment,
  patrolVisibility,
  planCompliance,
  preparePlan,
  type AreaShare,
  type PatrolPoint,
  type PlanCompliance,
  type PlanShape,
  type RoadGraph,
} from '@ringcad/routing';
import {
  Clock,
  DatabaseService,
  DomainError,
  actorOf,
  appendAudit,
  notFound,
  type Principal,
} from '../platform';
import { ScopeService } from '../auth';
import { RoadNetworkService } from '../roads';
import {
  WORLD_BOX,
  deletePatrolPlan,
  existingJurisdiction,
  groupTracks,
  patrolPlanById,
  patrolPlanRows,
  patrolPlansOfUnit,
  savePatrolPlan,
  tracksInBox,
  unitCallsigns,
  visibilityAreas,
  type AreaRow,
  type PatrolPlanRow,
} from './patrol.queries';
import {
  distinctUnits,
  markChunksDirtySince,
  storedHours,
  storedTiles,
} from './patrol-store.queries';
import { PatrolStoreService } from './patrol-store.service';

type AreaGeometry = PlanShape['areas'][number];
type Box = [number, number, number, number];

/**
 * A plan change re-matches the stored chunks of this long back in the background (the patrol
 * points changed); older chunks are matched again when a request reads them.
 */
const REMATCH_MS = 48 * 3600_000;

/** Track points this far outside the areas still count (a unit on the boundary street). */
const BOX_MARGIN_DEG = 0.001;

export const VISIBILITY_METHOD =
  'Track points (jump-flagged ones left out) are map-matched without an HMM: each is projected on the road pieces within 40 m and the nearest wins, with a 15 m penalty off the previous segment and its neighbours (continuity) and a 20 m penalty when the reported heading crosses the street by more than 45°; the stretch between consecutive matches less than 2 min apart is filled in (same segment, via the shared node, or one connecting segment). Streets are cut into 8 equal bins per segment; a bin belongs to the grid holding its midpoint. Each track is matched in clock-aligned 5-minute chunks, each chunk with the points of the minute before it as lead-in. A slot counts the street-km (bins) and patrol points (plan points in the grid, within 50 m of a track point) passed in a minute that starts within windowMin before the slot ends. Tracks are matched as they arrive into a stored table (per 5-minute chunk and 2 km tile: a bin mask per segment and minute, the minutes each patrol point was visited); a request reads that table and first matches what of its window is still unmatched.';

function toView(r: PatrolPlanRow): PatrolPlanView {
  const body = (typeof r.body === 'string' ? JSON.parse(r.body) : r.body) as Omit<
    PatrolPlanView,
    'id' | 'name' | 'jurisdictionId' | 'unitIds' | 'createdAt' | 'updatedAt'
  >;
  return {
    id: r.id,
    name: r.name,
    jurisdictionId: r.jurisdiction_id,
    unitIds: r.unit_ids,
    ...body,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

function boxOf(coords: Iterable<readonly number[]>, margin = BOX_MARGIN_DEG): Box {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of coords) {
    w = Math.min(w, x);
    e = Math.max(e, x);
    s = Math.min(s, y);
    n = Math.max(n, y);
  }
  return [w - margin, s - margin, e + margin, n + margin];
}

function* ringPoints(g: AreaGeometry): Iterable<readonly number[]> {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  for (const rings of polys) for (const ring of rings) yield* ring;
}

/** Minutes since midnight in China Standard Time (shifts are local). */
const cstMinutes = (d: Date) => Math.floor((d.getTime() / 60_000 + 8 * 60) % 1440);
const hhmmMinutes = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

function inShift(plan: PatrolPlanView, at: Date): boolean {
  const m = cstMinutes(at);
  const a = hhmmMinutes(plan.shift.start);
  const b = hhmmMinutes(plan.shift.end);
  return a <= b ? m >= a && m < b : m >= a || m < b;
}

interface Areas {
  rows: AreaRow[];
  geoms: AreaGeometry[];
  treeIds: string[];
  box: Box;
  binArea: Int32Array;
}

/**
 * 见警率 (police visibility) and 巡逻方案 (patrol plans, 点线面) from the unit tracks
 * map-matched to the road network; see {@link VISIBILITY_METHOD}.
 */
@Injectable()
export class PatrolService {
  /** Street bins per grid set, per loaded graph (grids change rarely; matching is the cost). */
  private readonly binCache = new WeakMap<RoadGraph, Map<string, Int32Array>>();
  private readonly tileCache = new WeakMap<Int32Array, number[]>();

  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly scopes: ScopeService,
    private readonly roads: RoadNetworkService,
    private readonly store: PatrolStoreService,
  ) {}

  private async areas(graph: RoadGraph, jurisdictionId: string): Promise<Areas> {
    const { areas: rows, treeIds } = await visibilityAreas(this.database.db, jurisdictionId);
    if (!rows.length) throw notFound('jurisdiction', jurisdictionId);
    const geoms = rows.map((r) => JSON.parse(r.geom) as AreaGeometry);
    const key = rows.map((r) => r.geom).join('|');
    let perGraph = this.binCache.get(graph);
    if (!perGraph) this.binCache.set(graph, (perGraph = new Map()));
    let binArea = perGraph.get(key);
    if (!binArea) {
      binArea = binAreas(graph, geoms);
      if (perGraph.size > 50) perGraph.clear();
      perGraph.set(key, binArea);
    }
    const box = boxOf(
      (function* () {
        for (const g of geoms) yield* ringPoints(g);
      })(),
    );
    return { rows, geoms, treeIds, box, binArea };
  }

  private async tracks(box: Box, from: Date, to: Date, unitIds?: readonly string[]) {
    return groupTracks(await tracksInBox(this.database.db, box, from, to, unitIds));
  }

  /**
   * The route's scope rule checked the jurisdiction; this answers per slot and grid from the
   * matched store (see {@link PatrolStoreService}), matching first what of the window is stale.
   */
  async visibility(q: VisibilityQuery): Promise<VisibilityView> {
    const started = Date.now();
    const graph = this.roads.requireGraph();
    const a = await this.areas(graph, q.jurisdictionId);
    const windowMs = q.windowMin * 60_000;
    const slotMs = q.slotMin * 60_000;
    const K = Math.ceil((q.to.getTime() - q.from.getTime()) / slotMs);
    // every minute some slot's window holds: [from − window, the last slot's end)
    // a look-back of an hour or more reads the hour roll-ups, a shorter one the minutes
    const byHour = windowMs >= HOUR_MS;
    const earliest = q.from.getTime() - windowMs;
    const readFrom = new Date(
      byHour ? Math.floor(earliest / HOUR_MS) * HOUR_MS : chunkOf(earliest),
    );
    const readTo = new Date(q.from.getTime() + K * slotMs);
    const pointSet = await this.store.patrolPoints();
    await this.store.ensureMatched(graph, readFrom, readTo, pointSet);
    const points = await this.planPoints(a);
    const tiles = new Set(this.tilesOf(graph, a.binArea));
    for (const p of points) tiles.add(tileOf(p.lon, p.lat));
    const opts = {
      areas: a.geoms,
      binArea: a.binArea,
      points,
      fromMs: q.from.getTime(),
      toMs: q.to.getTime(),
      slotMs,
      windowMs,
    };
    const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
    // the stored rows and the units seen are read side by side
    const [rows, units] = await Promise.all([
      byHour
        ? storedHours(this.database.db, readFrom, readTo, [...tiles])
        : storedTiles(this.database.db, readFrom, readTo, [...tiles]),
      distinctUnits(this.database.db, byHour ? 'hours' : 'chunks', readFrom, readTo, [...tiles]),
    ]);
    const slots = byHour
      ? visibilityFromHours(
          graph,
          (rows as Awaited<ReturnType<typeof storedHours>>).map((r) => ({
            hourMs: r.ms,
            segments: r.segments,
            points: json(r.points),
          })),
          opts,
        )
      : visibilityFromChunks(
          graph,
          (rows as Awaited<ReturnType<typeof storedTiles>>).map((r) => ({
            chunkMs: r.ms,
            segments: r.segments,
            points: json(r.points),
          })),
          opts,
        );
    let trackPoints = 0;
    for (const r of rows) trackPoints += r.track_points;
    return {
      jurisdictionId: q.jurisdictionId,
      slotMin: q.slotMin,
      windowMin: q.windowMin,
      slots: slots.map((s) => ({
        from: new Date(s.fromMs).toISOString(),
        to: new Date(s.toMs).toISOString(),
        streetKmPct: s.streetKmPct,
        pointsVisitedPct: s.pointsVisitedPct,
        byGrid: s.byArea.map((x) => this.gridShare(a, x)),
      })),
      tracks: { units, points: trackPoints },
      method: VISIBILITY_METHOD,
      tookMs: Date.now() - started,
    };
  }

  /** The plan points inside the areas, each with its area. */
  private async planPoints(a: Areas): Promise<PatrolPoint[]> {
    const points: PatrolPoint[] = [];
    for (const plan of (await patrolPlanRows(this.database.db, a.treeIds)).map(toView))
      plan.points.forEach((p, i) => {
        const area = a.geoms.findIndex((g) => inArea(g, p.lon, p.lat));
        if (area >= 0) points.push({ id: `${plan.id}:${i}`, lon: p.lon, lat: p.lat, area });
      });
    return points;
  }

  /** The store's tiles holding the areas' street bins. */
  private tilesOf(graph: RoadGraph, binArea: Int32Array): number[] {
    let t = this.tileCache.get(binArea);
    if (!t) {
      const segTile = segmentTiles(graph);
      const set = new Set<number>();
      for (let g = 0; g < binArea.length; g += BINS) {
        for (let b = 0; b < BINS; b++)
          if (binArea[g + b] >= 0) {
            set.add(segTile[g / BINS]);
            break;
          }
      }
      this.tileCache.set(binArea, (t = [...set]));
    }
    return t;
  }

  /**
   * The direct computation the store must agree with: every track of the window matched now
   * (chunk by chunk, the same definition). Slow at scale; kept as the oracle of the store.
   */
  async visibilityDirect(q: VisibilityQuery): Promise<ReturnType<typeof patrolVisibility>> {
    const graph = this.roads.requireGraph();
    const a = await this.areas(graph, q.jurisdictionId);
    const windowMs = q.windowMin * 60_000;
    const slotMs = q.slotMin * 60_000;
    const K = Math.ceil((q.to.getTime() - q.from.getTime()) / slotMs);
    const fromMs = chunkOf(q.from.getTime() - windowMs) - MATCH_LEAD_MS;
    const toMs = chunkOf(q.from.getTime() + K * slotMs - 1) + MATCH_CHUNK_MS;
    const tracks = groupTracks(
      await tracksInBox(this.database.db, WORLD_BOX, new Date(fromMs), new Date(toMs)),
    );
    return patrolVisibility(graph, tracks, {
      areas: a.geoms,
      binArea: a.binArea,
      points: await this.planPoints(a),
      fromMs: q.from.getTime(),
      toMs: q.to.getTime(),
      slotMs,
      windowMs,
    });
  }

  private gridShare(a: Areas, x: AreaShare) {
    const { area, ...share } = x;
    return { jurisdictionId: a.rows[area].id, name: a.rows[area].name, ...share };
  }

  /** The live heat layer: each street of the jurisdiction passed within the window, with its age. */
  async live(q: LiveVisibilityQuery): Promise<LiveVisibilityView> {
    const graph = this.roads.requireGraph();
    const a = await this.areas(graph, q.jurisdictionId);
    const now = this.clock.now();
    const tracks = await this.tracks(a.box, new Date(now.getTime() - q.windowMin * 60_000), now);
    const last = lastPassBySegment(graph, tracks, a.binArea);
    let streetM = 0;
    for (let g = 0; g < a.binArea.length; g++)
      if (a.binArea[g] >= 0) streetM += graph.segLengthM[Math.floor(g / BINS)] / BINS;
    let seenM = 0;
    const segments: LiveVisibilityView['segments'] = [];
    for (const [s, ms] of last) {
      seenM += graph.segLengthM[s];
      const coordinates: [number, number][] = [];
      for (let i = graph.segGeomStart[s]; i < graph.segGeomStart[s + 1]; i++)
        coordinates.push([round6(graph.geomLon[i]), round6(graph.geomLat[i])]);
      segments.push({
        coordinates,
        minutesSince: Math.max(0, Math.round((now.getTime() - ms) / 6000) / 10),
      });
    }
    return {
      jurisdictionId: q.jurisdictionId,
      at: now.toISOString(),
      windowMin: q.windowMin,
      segments,
      streetKm: Math.round(streetM) / 1000,
      streetKmSeen: Math.round(seenM) / 1000,
      method: VISIBILITY_METHOD,
    };
  }

  // ---- plans ----------------------------------------------------------------------------------

  async list(by: Principal, jurisdictionId?: string): Promise<PatrolPlanView[]> {
    const scope = await this.scopes.scopeOf(by);
    const rows = await patrolPlanRows(
      this.database.db,
      scope.kind === 'jurisdictions' ? [...scope.ids] : null,
    );
    return rows.map(toView).filter((p) => !jurisdictionId || p.jurisdictionId === jurisdictionId);
  }

  /** The plan (the route's scope rule `patrol-plan:param:id` has checked its jurisdiction). */
  async get(id: string): Promise<PatrolPlanView> {
    const row = await patrolPlanById(this.database.db, id);
    if (!row) throw notFound('patrol plan', id);
    return toView(row);
  }

  async create(input: PatrolPlanRequest, by: Principal): Promise<PatrolPlanView> {
    return this.save(null, input, by);
  }

  async update(id: string, input: PatrolPlanRequest, by: Principal): Promise<PatrolPlanView> {
    await this.get(id);
    return this.save(id, input, by);
  }

  private async save(
    id: string | null,
    input: PatrolPlanRequest,
    by: Principal,
  ): Promise<PatrolPlanView> {
    const db = this.database.db;
    if (!(await existingJurisdiction(db, input.jurisdictionId)))
      throw notFound('jurisdiction', input.jurisdictionId);
    const known = new Set((await unitCallsigns(db, input.unitIds)).map((u) => u.id));
    const unknown = input.unitIds.filter((u) => !known.has(u));
    if (unknown.length)
      throw new DomainError('VALIDATION_FAILED', 'unknown unit(s)', { unitIds: unknown });
    const input2 = { ...input, unitIds: [...new Set(input.unitIds)] };
    const actor = actorOf(by);
    const row = await this.database.transaction(async (tx) => {
      const saved = await savePatrolPlan(
        tx,
        id,
        input2,
        by.kind === 'user' ? by.id : null,
        this.clock.now(),
      );
      if (!saved) throw notFound('patrol plan', id ?? undefined);
      await markChunksDirtySince(tx, new Date(this.clock.now().getTime() - REMATCH_MS));
      await appendAudit(
        tx,
        this.clock.now(),
        actor,
        id ? 'patrol-plan.update' : 'patrol-plan.create',
        'patrol_plan',
        saved.id,
        {
          name: saved.name,
          jurisdictionId: saved.jurisdiction_id,
        },
      );
      return saved;
    });
    return toView(row);
  }

  async remove(id: string, by: Principal): Promise<void> {
    await this.get(id);
    await this.database.transaction(async (tx) => {
      if (!(await deletePatrolPlan(tx, id))) throw notFound('patrol plan', id);
      await markChunksDirtySince(tx, new Date(this.clock.now().getTime() - REMATCH_MS));
      await appendAudit(tx, this.clock.now(), actorOf(by), 'patrol-plan.delete', 'patrol_plan', id);
    });
  }

  /**
   * Compliance of a plan over [from, to): the plan as a whole by its units (any unit when it
   * names none), each unit that patrolled there, and the grid's street-km swept by anyone.
   */
  async compliance(id: string, q: { from: Date; to: Date }): Promise<PatrolComplianceView> {
    const plan = await this.get(id);
    const graph = this.roads.requireGraph();
    const a = await this.areas(graph, plan.jurisdictionId);
    const shape: PlanShape = {
      points: plan.points,
      lines: plan.lines.map((l) => l.coordinates),
      areas: plan.areas.map((x) => x.geometry),
      pointRadiusM: plan.pointRadiusM,
    };
    const coords: (readonly number[])[] = [
      [a.box[0], a.box[1]],
      [a.box[2], a.box[3]],
      ...plan.points.map((p) => [p.lon, p.lat]),
      ...plan.lines.flatMap((l) => l.coordinates),
      ...plan.areas.flatMap((x) => [...ringPoints(x.geometry)]),
    ];
    const tracks = await this.tracks(boxOf(coords), q.from, q.to);
    const prepared = preparePlan(graph, shape);
    const assigned = new Set(plan.unitIds);
    const planTracks = assigned.size ? tracks.filter((t) => assigned.has(t.unitId)) : tracks;
    const unitIds = [...new Set([...plan.unitIds, ...tracks.map((t) => t.unitId)])];
    const callsign = new Map(
      (await unitCallsigns(this.database.db, unitIds)).map((u) => [u.id, u.callsign]),
    );
    const named = (c: PlanCompliance) => ({
      ...c,
      points: c.points.map((p, i) => ({ index: i, name: plan.points[i].name ?? null, ...p })),
    });
    const [slot] = patrolVisibility(graph, tracks, {
      areas: a.geoms,
      binArea: a.binArea,
      points: [],
      fromMs: q.from.getTime(),
      toMs: q.to.getTime(),
      slotMs: q.to.getTime() - q.from.getTime(),
      windowMs: q.to.getTime() - q.from.getTime(),
    });
    const sum = (f: (x: AreaShare) => number) => slot.byArea.reduce((s, x) => s + f(x), 0);
    const km = sum((x) => x.streetKm);
    const seen = sum((x) => x.streetKmSeen);
    const root = await existingJurisdiction(this.database.db, plan.jurisdictionId);
    return {
      planId: plan.id,
      from: q.from.toISOString(),
      to: q.to.toISOString(),
      plan: named(planCompliance(graph, planTracks, shape, prepared)),
      units: unitIds.map((u) => ({
        unitId: u,
        callsign: callsign.get(u) ?? u,
        ...named(
          planCompliance(
            graph,
            tracks.filter((t) => t.unitId === u),
            shape,
            prepared,
          ),
        ),
      })),
      grid: {
        jurisdictionId: plan.jurisdictionId,
        name: root?.name ?? '',
        streetKm: Math.round(km * 1000) / 1000,
        streetKmSeen: Math.round(seen * 1000) / 1000,
        streetKmPct: km > 0 ? Math.round((1000 * seen) / km) / 10 : 0,
        points: 0,
        pointsVisited: 0,
        pointsVisitedPct: 0,
      },
      method: `${VISIBILITY_METHOD} A plan point is visited once per entry into its radius (or after 10 min without a report); a line's street bins are those its shape runs along; an area's are the street bins with their midpoint inside it.`,
    };
  }

  /** The plan of a unit's terminal: the one whose shift is on now, else its latest. */
  async terminalPlan(by: Principal): Promise<PatrolPlanView | null> {
    if (by.kind !== 'unit') throw new DomainError('FORBIDDEN', 'a unit terminal route');
    const plans = (await patrolPlansOfUnit(this.database.db, by.unitId)).map(toView);
    const now = this.clock.now();
    return plans.find((p) => inShift(p, now)) ?? plans[0] ?? null;
  }
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
