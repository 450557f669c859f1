import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { type CoverageArea, type MoveUp } from '@ringcad/routing';
import { DEFENSE_LEVEL_POLICIES, type RingScheme } from '@ringcad/domain';
import {
  Clock,
  type AppConfig,
  DatabaseService,
  DomainError,
  APP_CONFIG,
  MetricsService,
  repeatWithoutOverlap,
} from '../platform';
import { DefenseLevelsService } from '../command';
import { availableUnitPositions, LiveFleetService, overlayLive } from '../fleet';
import { RealtimePublisher } from '../realtime';
import { RoadNetworkService } from '../roads';
import {
  districtBoundaries,
  districtsVersion,
  recordCoverageSamples,
  standbyPointPositions,
} from './coverage.queries';
import { RingSchemesService } from '../schemes';
import { CoverageThread } from './coverage-thread';

export interface CoverageView {
  scheme: { id: string; tiers: { sec: number }[] };
  computedAt: string;
  units: number;
  tiers: { sec: number; roadKmPct: number; areaPct: number; roadKm: number }[];
  districts: {
    id: string;
    name: string;
    tiers: { sec: number; roadKmPct: number; areaPct: number }[];
  }[];
  blindSpots: unknown;
  tookMs: number;
}

/** Results this fresh are served from cache (positions move every few seconds anyway). */
const CACHE_MS = 2000;
const round1 = (v: number) => Math.round(v * 10) / 10;

/**
 * Unit-centric coverage: one multi-source search from every available unit with a fresh
 * position gives the minimum ETA to every road node; shares of road km and area within each
 * tier, per district, and blind spots. Recomputed periodically by the processors process and
 * pushed to consoles as `coverage.updated`; on demand with a short cache. The computation and
 * the live node times (units that moved since the last compute are folded in) live in a worker
 * thread ({@link CoverageThread}), as do move-ups: this process's event loop only gathers the
 * positions and sends them.
 */
@Injectable()
export class CoverageService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CoverageService.name);
  private readonly cache = new Map<string, { atMs: number; view: CoverageView }>();
  private areas: { key: string; list: (CoverageArea & { name: string })[] } | null = null;
  private lastUnits: { id: string; lon: number; lat: number }[] = [];
  private stopPushes?: () => void;
  private readonly thread = new CoverageThread();

  constructor(
    private readonly database: DatabaseService,
    private readonly roads: RoadNetworkService,
    private readonly live: LiveFleetService,
    private readonly realtime: RealtimePublisher,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly defenseLevels: DefenseLevelsService,
    private readonly metrics: MetricsService,
    private readonly schemes: RingSchemesService,
  ) {}

  onApplicationBootstrap() {
    if (!this.config.runProcessors || this.config.COVERAGE_PUSH_SEC <= 0) return;
    // one push at a time: a push waits for the coverage thread, and two overlapping ones would
    // judge the same breach twice (the defense-level check reads, then raises)
    this.stopPushes = repeatWithoutOverlap(
      this.config.COVERAGE_PUSH_SEC * 1000,
      () => this.push(),
      (err) => this.logger.warn(`coverage push failed: ${err.message}`),
    );
  }

  async onApplicationShutdown() {
    this.stopPushes?.();
    await this.thread.close();
  }

  private scheme(id: string): Promise<RingScheme> {
    return this.schemes.require(id, 'scheme');
  }

  async push() {
    if (!this.roads.graph) return;
    for (const id of this.config.COVERAGE_SCHEMES.split(',')) {
      const view = await this.compute(id.trim(), true);
      this.realtime.toConsoles({ event: 'coverage.updated', payload: view, everyone: true });
      // 等级化防控: a district below its defense level's target raises one alert per breach;
      // its units are counted from the same live positions the coverage was computed from
      // (unit rows catch up with accepted positions a few seconds later)
      await this.defenseLevels.evaluateCoverage({ ...view, unitPositions: this.lastUnits });
      // history for the 平安指数 (a week's coverage is the mean of these samples)
      await recordCoverageSamples(
        this.database.db,
        view.scheme.id,
        new Date(view.computedAt),
        view.districts.map((d) => ({ id: d.id, roadKmPct: d.tiers.map((t) => t.roadKmPct) })),
      );
    }
  }

  async coverage(schemeId: string): Promise<CoverageView> {
    return this.compute(schemeId, false);
  }

  private async compute(schemeId: string, fresh: boolean): Promise<CoverageView> {
    const scheme = await this.scheme(schemeId);
    const graph = this.roads.requireGraph();
    const cached = this.cache.get(scheme.id);
    const nowMs = this.clock.now().getTime();
    if (!fresh && cached && nowMs - cached.atMs < CACHE_MS) return cached.view;
    const units = await this.availableUnits();
    this.lastUnits = units;
    const areas = await this.districtAreas();
    const tiersSec = scheme.tiers.map((t) => t.sec);
    const endTimer = this.metrics.coverageCompute.startTimer({ scheme: scheme.id });
    const sources = units.map((u) => ({
      id: u.id,
      lon: u.lon,
      lat: u.lat,
      snap: this.roads.snapFor(u.id, u.lon, u.lat),
    }));
    const { result: r, movedUnitSec } = await this.thread.coverage(graph, {
      key: scheme.id,
      tiersSec,
      sources,
      areasKey: areas.key,
      areas: areas.list,
      at: this.clock.now(),
    });
    endTimer();
    // each unit folded into the live node times, as the thread timed it
    for (const sec of movedUnitSec)
      this.metrics.coverageMovedUnit.observe({ scheme: scheme.id }, sec);
    const view: CoverageView = {
      scheme: { id: scheme.id, tiers: scheme.tiers.map((t) => ({ sec: t.sec })) },
      computedAt: new Date(nowMs).toISOString(),
      units: units.length,
      tiers: r.tiers.map((t) => ({
        sec: t.sec,
        roadKmPct: round1(t.roadKmPct),
        areaPct: round1(t.areaPct),
        roadKm: round1(t.roadKm),
      })),
      districts: r.areas.map((a, i) => ({
        id: a.id,
        name: areas.list[i].name,
        tiers: a.tiers.map((t) => ({
          sec: t.sec,
          roadKmPct: round1(t.roadKmPct),
          areaPct: round1(t.areaPct),
        })),
      })),
      blindSpots: r.blindSpots,
      tookMs: Math.round(r.tookMs),
    };
    this.cache.set(scheme.id, { atMs: nowMs, view });
    return view;
  }

  /**
   * 前置备勤 move-ups: which available unit should move to which standby point to close the
   * biggest hole in the given tier (greedy maximal covering, see suggestMoveUps).
   */
  async moveUps(schemeId: string, tierIndex?: number, maxMovesAsked?: number): Promise<MoveUp[]> {
    // the city-wide defense level decides how many moves to suggest unless the caller says
    const maxMoves =
      maxMovesAsked ?? DEFENSE_LEVEL_POLICIES[await this.defenseLevels.levelFor(null)].maxMoves;
    const scheme = await this.scheme(schemeId);
    const graph = this.roads.requireGraph();
    // default: the first tier of at least 3 minutes, the patrol-car ring of every plan
    const idx =
      tierIndex ??
      Math.max(
        0,
        scheme.tiers.findIndex((t) => t.sec >= 180),
      );
    if (idx < 0 || idx >= scheme.tiers.length)
      throw new DomainError('VALIDATION_FAILED', `scheme ${scheme.id} has no tier ${idx}`);
    const units = await this.availableUnits();
    const points = await standbyPointPositions(this.database.db);
    const moves = await this.thread.moveUps(graph, {
      units: units.map((u) => ({
        id: u.id,
        lon: u.lon,
        lat: u.lat,
        snap: this.roads.snapFor(u.id, u.lon, u.lat),
      })),
      standbyPoints: points.map((p) => ({ id: p.id, lon: p.lon, lat: p.lat })),
      tierSec: scheme.tiers[idx].sec,
      maxMoves,
      at: this.clock.now(),
      coverage: { key: scheme.id, tiersSec: scheme.tiers.map((t) => t.sec) },
    });
    return moves.map((m) => ({
      ...m,
      gainPct: round1(m.gainPct * 10) / 10,
      coveredPct: round1(m.coveredPct),
    }));
  }

  private async availableUnits() {
    const rows = await availableUnitPositions(this.database.db);
    const staleBefore = this.clock.now().getTime() - this.config.POSITION_STALE_SEC * 1000;
    return overlayLive(rows, await this.live.get(rows.map((r) => r.id)))
      .filter(
        (u) =>
          u.lon !== null &&
          u.lat !== null &&
          u.position_at &&
          new Date(u.position_at).getTime() >= staleBefore,
      )
      .map((u) => ({
        id: u.id,
        lon: u.lon as number,
        lat: u.lat as number,
        atMs: new Date(u.position_at as Date).getTime(),
      }));
  }

  /** District polygons, re-read only when the set of districts changed (the raster is cached per polygon). */
  private async districtAreas() {
    const key = await districtsVersion(this.database.db);
    if (this.areas?.key === key) return this.areas;
    const rows = await districtBoundaries(this.database.db);
    const list = rows.map((r) => ({
      id: r.id,
      name: r.name,
      polygon: JSON.parse(r.geom) as CoverageArea['polygon'],
    }));
    this.areas = { key, list };
    return this.areas;
  }
}
