import { Inject, Injectable } from '@nestjs/common';
import type {
  CreateDeploymentPlanRequest,
  DeploymentPlanView,
  HotspotsQuery,
  HotspotsView,
  TerminalPost,
} from '@ringcad/contracts';
import { DEFENSE_LEVEL_POLICIES, findScheme, shiftHoursOfWeek } from '@ringcad/domain';
import {
  hexAreaKm2,
  hexKernelDensity,
  hexPolygon,
  nodeDemandFromHexes,
  planDeployment,
  roadLengthDemand,
  type HexOrigin,
} from '@ringcad/routing';
import {
  actorOf,
  APP_CONFIG,
  appendAudit,
  Clock,
  conflict,
  DatabaseService,
  DomainError,
  notFound,
  type AppConfig,
  type Principal,
} from '../platform';
import { DefenseLevelsService } from '../command';
import { LiveFleetService, overlayLive } from '../fleet';
import { AfterCommit, RealtimePublisher } from '../realtime';
import { RoadNetworkService } from '../roads';
import {
  incidentPoints,
  insertPlan,
  planUnits,
  readPlan,
  setPlanStatus,
  standbyPointsIn,
  standingPostsOfUnit,
  type PlanRow,
  type PostRow,
} from './deployment.queries';

const DAY_MS = 86_400_000;
const MAX_CELLS = 3000;
const round2 = (v: number) => Math.round(v * 100) / 100;

type DensityMethod = HotspotsView['method'];

function densityMethod(origin: HexOrigin, cellM: number, bandwidthM: number): DensityMethod {
  return {
    kind: 'kernel-density',
    kernel: 'quartic',
    bandwidthM,
    cell: 'hexagon',
    cellM,
    cellAreaKm2: hexAreaKm2(cellM),
    unit: 'incidents per km²',
    origin,
    description:
      `quartic (biweight) kernel density of incidents with bandwidth ${bandwidthM} m, evaluated at ` +
      `the centres of pointy-top hexagons of ${cellM} m (centre to corner) on a local projection`,
  };
}

const PLAN_METHOD =
  'demand: kernel density of the incidents of the shift’s hours of the week on hexagons, each ' +
  'cell’s expected count shared by its road nodes (road length when there is no history); ' +
  'coverage: a node is covered when a posted unit reaches it by car within the defense level’s ' +
  'tier (one bounded search per standby point); greedy maximal covering with lazy evaluation ' +
  '(submodular, ≥ 63 % of the optimum), one unit per point; units matched to the chosen points ' +
  'by closest straight-line pairs';

/** A post as its unit's terminal sees it (post.assigned, GET /terminal/posts). */
function terminalPost(
  p: Pick<PostRow, 'plan_id' | 'standby_point_id' | 'standby_point_name' | 'lon' | 'lat'> & {
    shift_start: Date | string;
    shift_end: Date | string;
  },
): TerminalPost {
  return {
    planId: p.plan_id,
    standbyPoint: {
      id: p.standby_point_id,
      name: p.standby_point_name,
      location: { lon: p.lon, lat: p.lat },
    },
    shiftStart: new Date(p.shift_start).toISOString(),
    shiftEnd: new Date(p.shift_end).toISOString(),
  };
}

/**
 * 等级化部署: hotspots (incident density by hexagon) and shift deployment plans that post units at
 * standby points to maximise the demand within the defense level's ring. A plan is proposed,
 * then confirmed (each unit's terminal gets `post.assigned`) or recalled (`post.recalled`).
 */
@Injectable()
export class DeploymentService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly roads: RoadNetworkService,
    private readonly live: LiveFleetService,
    private readonly realtime: RealtimePublisher,
    private readonly defenseLevels: DefenseLevelsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Cells are anchored at the road network's centre, else at the points' rounded centroid. */
  private origin(points: readonly { lon: number; lat: number }[]): HexOrigin {
    const g = this.roads.graph;
    if (g) return { lon: g.projection.lon0, lat: g.projection.lat0 };
    if (!points.length) return { lon: 0, lat: 0 };
    const mean = (k: 'lon' | 'lat') => points.reduce((s, p) => s + p[k], 0) / points.length;
    return { lon: Math.round(mean('lon') * 10) / 10, lat: Math.round(mean('lat') * 10) / 10 };
  }

  async hotspots(q: HotspotsQuery): Promise<HotspotsView> {
    const points = await incidentPoints(this.database.db, {
      from: q.from,
      to: q.to,
      category: q.category,
      hoursOfWeek: q.hourOfWeek === undefined ? undefined : [q.hourOfWeek],
      jurisdictionId: q.jurisdictionId ?? null,
    });
    const origin = this.origin(points);
    const cells = hexKernelDensity(points, { origin, cellM: q.cellM, bandwidthM: q.bandwidthM });
    return {
      from: q.from.toISOString(),
      to: q.to.toISOString(),
      category: q.category ?? null,
      hourOfWeek: q.hourOfWeek ?? null,
      jurisdictionId: q.jurisdictionId ?? null,
      incidents: points.length,
      method: densityMethod(origin, q.cellM, q.bandwidthM),
      cells: cells.slice(0, MAX_CELLS).map((c) => ({
        id: c.id,
        lon: c.lon,
        lat: c.lat,
        density: round2(c.density),
        count: c.count,
        expected: Math.round(c.expected * 1000) / 1000,
        polygon: hexPolygon(origin, q.cellM, c.q, c.r),
      })),
      truncated: cells.length > MAX_CELLS,
    };
  }

  async create(input: CreateDeploymentPlanRequest, by: Principal): Promise<DeploymentPlanView> {
    const started = performance.now();
    const scheme = findScheme(input.scheme);
    if (!scheme) throw new DomainError('VALIDATION_FAILED', `unknown ring scheme ${input.scheme}`);
    const graph = this.roads.requireGraph();
    const jurisdictionId = input.jurisdictionId ?? null;
    const shiftStart = new Date(input.shiftStart);
    const shiftEnd = new Date(input.shiftEnd);
    const units = await this.units(input.units, jurisdictionId);
    const points = await standbyPointsIn(this.database.db, jurisdictionId);
    if (!points.length)
      throw conflict('no standby points in the area planned for', { jurisdictionId });

    const level = await this.defenseLevels.levelFor(jurisdictionId);
    const policy = DEFENSE_LEVEL_POLICIES[level];
    const tier =
      scheme.tiers.find((t) => t.sec === policy.tierSec) ??
      scheme.tiers.find((t) => t.sec >= policy.tierSec) ??
      scheme.tiers[scheme.tiers.length - 1];

    const hoursOfWeek = shiftHoursOfWeek(shiftStart, shiftEnd);
    const historyFrom = new Date(shiftStart.getTime() - input.historyDays * DAY_MS);
    const historyTo = this.clock.now();
    const incidents = await incidentPoints(this.database.db, {
      from: historyFrom,
      to: historyTo,
      category: input.category,
      hoursOfWeek,
      jurisdictionId,
    });
    const origin = this.origin(incidents);
    const cells = hexKernelDensity(incidents, {
      origin,
      cellM: input.cellM,
      bandwidthM: input.bandwidthM,
    });
    let demand = nodeDemandFromHexes(graph, cells, { origin, cellM: input.cellM });
    const source = demand.some((d) => d > 0) ? 'hotspots' : 'road-length';
    if (source === 'road-length') demand = roadLengthDemand(graph);

    const r = planDeployment(graph, {
      units: units.map((u) => ({ ...u, snap: this.roads.snapFor(u.id, u.lon, u.lat) })),
      standbyPoints: points.map((p) => ({
        ...p,
        snap: this.roads.snapFor(`standby:${p.id}`, p.lon, p.lat),
      })),
      tierSec: tier.sec,
      demand,
      at: shiftStart,
    });
    const unitById = new Map(units.map((u) => [u.id, u]));
    const pointById = new Map(points.map((p) => [p.id, p]));
    const now = this.clock.now();
    const actor = actorOf(by);
    const tookMs = round2(performance.now() - started);
    const id = await this.database.transaction(async (tx) => {
      const planId = await insertPlan(
        tx,
        {
          status: 'proposed',
          shift_start: shiftStart,
          shift_end: shiftEnd,
          scheme_id: scheme.id,
          jurisdiction_id: jurisdictionId,
          level,
          tier_sec: tier.sec,
          target_road_km_pct: policy.minRoadKmPct,
          road_km_pct: round2(r.roadKmPct),
          covered_pct: round2(r.coveredPct),
          method: PLAN_METHOD,
          evaluations: r.evaluations,
          demand: JSON.stringify({
            source,
            incidents: incidents.length,
            hoursOfWeek,
            historyFrom: historyFrom.toISOString(),
            historyTo: historyTo.toISOString(),
            density: densityMethod(origin, input.cellM, input.bandwidthM),
          }),
          unposted_unit_ids: JSON.stringify(r.unpostedUnitIds),
          took_ms: tookMs,
          created_at: now,
          created_by: actor.id,
          created_by_name: actor.name,
        },
        r.posts.map((p) => {
          const u = unitById.get(p.unitId)!;
          const s = pointById.get(p.standbyPointId)!;
          return {
            rank: p.rank,
            unit_id: u.id,
            callsign: u.callsign,
            unit_lon: u.lon,
            unit_lat: u.lat,
            standby_point_id: s.id,
            standby_point_name: s.name,
            lon: s.lon,
            lat: s.lat,
            gain_pct: round2(p.gainPct),
            covered_pct: round2(p.coveredPct),
            distance_m: Math.round(p.distanceM),
          };
        }),
      );
      await appendAudit(tx, now, actor, 'deployment-plan.propose', 'deployment_plan', planId, {
        units: units.length,
        posts: r.posts.length,
        coveredPct: round2(r.coveredPct),
      });
      return planId;
    });
    return this.get(id);
  }

  async get(id: string): Promise<DeploymentPlanView> {
    const found = await readPlan(this.database.db, id);
    if (!found) throw notFound('deployment plan', id);
    return toView(found.plan, found.posts);
  }

  /** Sends each unit its post; `count` must be the number of posts the commander was shown. */
  async confirm(id: string, count: number, by: Principal): Promise<DeploymentPlanView> {
    return this.transition(id, by, 'confirm', (plan, posts) => {
      if (plan.status !== 'proposed') throw conflict(`the plan is ${plan.status}`);
      if (count !== posts.length)
        throw conflict(`the plan has ${posts.length} posts, not ${count}`, {
          count: posts.length,
        });
      return { status: 'confirmed', confirmed_at: this.clock.now(), confirmed_by: actorOf(by).id };
    });
  }

  /** Undoes a confirmed plan: every unit's terminal is told its post no longer stands. */
  async recall(id: string, by: Principal): Promise<DeploymentPlanView> {
    return this.transition(id, by, 'recall', (plan) => {
      if (plan.status !== 'confirmed') throw conflict(`the plan is ${plan.status}, not confirmed`);
      return { status: 'recalled', recalled_at: this.clock.now(), recalled_by: actorOf(by).id };
    });
  }

  /** What a terminal shows after (re)connecting: its unit's posts of confirmed, unended shifts. */
  async terminalPosts(by: Principal): Promise<TerminalPost[]> {
    if (by.kind !== 'unit') throw new DomainError('FORBIDDEN', 'a unit terminal route');
    const rows = await standingPostsOfUnit(this.database.db, by.unitId, this.clock.now());
    return rows.map(terminalPost);
  }

  private async transition(
    id: string,
    by: Principal,
    action: 'confirm' | 'recall',
    check: (plan: PlanRow, posts: PostRow[]) => Parameters<typeof setPlanStatus>[2],
  ): Promise<DeploymentPlanView> {
    const after = new AfterCommit();
    await this.database.transaction(async (tx) => {
      const found = await readPlan(tx, id, true);
      if (!found) throw notFound('deployment plan', id);
      const { plan, posts } = found;
      await setPlanStatus(tx, id, check(plan, posts));
      const now = this.clock.now();
      await appendAudit(tx, now, actorOf(by), `deployment-plan.${action}`, 'deployment_plan', id, {
        count: posts.length,
        unitIds: posts.map((p) => p.unit_id),
      });
      after.add(() => {
        for (const p of posts) {
          if (action === 'confirm')
            this.realtime.toTerminal(
              p.unit_id,
              'post.assigned',
              terminalPost({ ...p, shift_start: plan.shift_start, shift_end: plan.shift_end }),
            );
          else
            this.realtime.toTerminal(p.unit_id, 'post.recalled', {
              planId: id,
              standbyPointId: p.standby_point_id,
            });
        }
      });
    });
    await after.run();
    return this.get(id);
  }

  /**
   * The units to post, each available with a fresh position. Named units that are not refuse
   * the plan (UNIT_UNAVAILABLE); counts per kind take the first available by callsign.
   */
  private async units(
    asked: CreateDeploymentPlanRequest['units'],
    jurisdictionId: string | null,
  ): Promise<{ id: string; callsign: string; lon: number; lat: number }[]> {
    const rows = Array.isArray(asked)
      ? await planUnits(this.database.db, { ids: asked })
      : await planUnits(this.database.db, { kinds: Object.keys(asked), jurisdictionId });
    const staleBefore = this.clock.now().getTime() - this.config.POSITION_STALE_SEC * 1000;
    const ready = new Set(
      overlayLive(rows, await this.live.get(rows.map((r) => r.id)))
        .filter(
          (u) =>
            u.status === 'available' &&
            u.lon !== null &&
            u.lat !== null &&
            u.position_at !== null &&
            new Date(u.position_at).getTime() >= staleBefore,
        )
        .map((u) => u.id),
    );
    const usable = rows.filter((u) => ready.has(u.id));
    let chosen = usable;
    if (Array.isArray(asked)) {
      const known = new Set(rows.map((r) => r.id));
      const missing = asked.find((id) => !known.has(id));
      if (missing) throw notFound('unit', missing);
      const notReady = asked.filter((id) => !ready.has(id));
      if (notReady.length)
        throw new DomainError(
          'UNIT_UNAVAILABLE',
          'every unit of a plan must be available with a fresh position',
          { units: notReady },
        );
    } else {
      chosen = [];
      for (const [kind, n] of Object.entries(asked)) {
        const of = usable.filter((u) => u.kind === kind);
        if (of.length < (n ?? 0))
          throw new DomainError('UNIT_UNAVAILABLE', `only ${of.length} ${kind} units available`, {
            kind,
            asked: n,
            available: of.length,
          });
        chosen.push(...of.slice(0, n));
      }
    }
    return chosen.map((u) => ({
      id: u.id,
      callsign: u.callsign,
      lon: u.lon as number,
      lat: u.lat as number,
    }));
  }
}

function toView(plan: PlanRow, posts: PostRow[]): DeploymentPlanView {
  const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
  return {
    id: plan.id,
    status: plan.status,
    shiftStart: iso(plan.shift_start) as string,
    shiftEnd: iso(plan.shift_end) as string,
    scheme: plan.scheme_id,
    jurisdictionId: plan.jurisdiction_id,
    createdAt: iso(plan.created_at) as string,
    createdBy: plan.created_by_name,
    confirmedAt: iso(plan.confirmed_at),
    recalledAt: iso(plan.recalled_at),
    level: plan.level,
    tierSec: plan.tier_sec,
    target: {
      minRoadKmPct: plan.target_road_km_pct,
      roadKmPct: plan.road_km_pct,
      met: plan.road_km_pct >= plan.target_road_km_pct,
    },
    coveredPct: plan.covered_pct,
    demand: plan.demand as DeploymentPlanView['demand'],
    method: plan.method,
    evaluations: plan.evaluations,
    count: posts.length,
    posts: posts.map((p) => ({
      unitId: p.unit_id,
      callsign: p.callsign,
      unitLocation: { lon: p.unit_lon, lat: p.unit_lat },
      standbyPointId: p.standby_point_id,
      standbyPointName: p.standby_point_name,
      location: { lon: p.lon, lat: p.lat },
      rank: p.rank,
      gainPct: p.gain_pct,
      coveredPct: p.covered_pct,
      distanceM: p.distance_m,
    })),
    unpostedUnitIds: plan.unposted_unit_ids,
    tookMs: plan.took_ms,
  };
}
