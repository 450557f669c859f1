import { Inject, Injectable } from '@nestjs/common';
import type { ExcludedUnit, RecommendationCandidate } from '@ringcad/contracts';
import { ringTierFor, type RingScheme, type UnitKind } from '@ringcad/domain';
import type { DbOrTx } from '@ringcad/db';
import {
  Clock,
  type AppConfig,
  DatabaseService,
  DomainError,
  MetricsService,
  notFound,
  APP_CONFIG,
} from '../platform';
import { EtaEngine, type EtaUnit } from './eta-engine';
import { UnitRoster, type RosterUnit } from './unit-roster';
import { LiveFleetService, overlayLive, type LiveFix } from '../fleet';
import { selectIncidentTarget, selectUnitPositions } from './dispatch.queries';

export interface Recommendation {
  incidentId: string;
  scheme: RingScheme;
  candidates: RecommendationCandidate[];
  excluded: ExcludedUnit[];
  unranked: { beyondSearch: number; notRanked: number };
  tookMs: number;
}

/** Recommendations search at least this far (and twice the scheme's last tier). */
const RECOMMEND_MIN_SEARCH_SEC = 1800;
/** A dispatcher's list: the 50 fastest units (the search stops once they are proven). */
const RECOMMEND_TOP_K = 50;
/** The ETA recorded with an assignment is searched up to two hours. */
const ASSIGNMENT_ETA_MAX_SEC = 7200;

import { RingSchemesService, schemeView } from '../schemes';
@Injectable()
export class RecommendationService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly eta: EtaEngine,
    private readonly live: LiveFleetService,
    private readonly schemes: RingSchemesService,
    private readonly roster: UnitRoster,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Available units with a fresh position, ordered by ETA, each with the ring tier it meets. */
  async recommend(
    incidentId: string,
    schemeId?: string,
    /** The incident's place and scheme when the caller holds them (a create): one read less. */
    known?: { lon: number; lat: number; scheme_id: string },
  ): Promise<Recommendation> {
    const started = performance.now();
    // the fleet's reads go out at once, beside the incident's and the scheme's: each read is a
    // round trip through the database and this event loop, and at the peak every one waits there
    const fleetReads = this.fleetReads(this.database.db);
    fleetReads.catch(() => undefined); // awaited below; a 404 first must not leave it unhandled
    let row: { lon: number; lat: number; scheme_id: string };
    let scheme: RingScheme | undefined;
    if (known) {
      row = known;
      scheme = await this.schemes.find(schemeId ?? known.scheme_id);
    } else {
      // the incident's point and its scheme in one read
      const target = await selectIncidentTarget(this.database.db, incidentId, schemeId);
      if (!target) throw notFound('incident', incidentId);
      row = target;
      scheme = target.scheme ? schemeView(target.scheme) : undefined;
    }
    if (!scheme) throw new DomainError('VALIDATION_FAILED', `unknown ring scheme ${schemeId}`);
    const reads = await fleetReads;
    const readAt = performance.now();
    const { candidates, excluded, unranked } = await this.rank(
      joinFleet(reads),
      row,
      scheme,
      started,
      readAt,
    );
    return {
      incidentId,
      scheme,
      candidates,
      excluded,
      unranked,
      tookMs: Math.round((performance.now() - started) * 10) / 10,
    };
  }

  /** ETAs of specific units to a point (used when assigning, so the prediction is recorded). */
  async etaForUnits(db: DbOrTx, target: { lon: number; lat: number }, unitIds: string[]) {
    const units = await this.unitsWithPositions(db, unitIds);
    const located = units.filter((u) => u.lon !== null && u.lat !== null);
    const { results } = await this.eta.etaTo(
      target,
      located.map((u) => ({
        id: u.id,
        kind: u.kind as UnitKind,
        lon: u.lon as number,
        lat: u.lat as number,
      })),
      this.clock.now(),
      { maxSec: ASSIGNMENT_ETA_MAX_SEC },
    );
    return new Map(results.map((r) => [r.id, r]));
  }

  /**
   * The available units with a fresh fix, ranked by ETA. `started`: when the recommendation
   * began, `readAt`: when its reads were all back (its phases are observed from there).
   */
  private async rank(
    units: FleetUnit[],
    target: { lon: number; lat: number },
    scheme: RingScheme,
    started: number,
    readAt: number,
  ) {
    const now = this.clock.now();
    const excluded: ExcludedUnit[] = [];
    // ranked as they are (a unit with a fix is an EtaUnit): no copy of the fleet per request
    const usable: (FleetUnit & EtaUnit)[] = [];
    for (const u of units) {
      if (u.status !== 'available') {
        excluded.push({
          unitId: u.id,
          callsign: u.callsign,
          reason: 'not_available',
          status: u.status,
        });
      } else if (u.lon === null || u.lat === null || u.atMs === null) {
        excluded.push({
          unitId: u.id,
          callsign: u.callsign,
          reason: 'no_position',
          status: u.status,
        });
      } else if (now.getTime() - u.atMs > this.config.POSITION_STALE_SEC * 1000) {
        excluded.push({
          unitId: u.id,
          callsign: u.callsign,
          reason: 'stale_position',
          status: u.status,
        });
      } else {
        usable.push(u as FleetUnit & EtaUnit);
      }
    }
    const fleetAt = performance.now();
    const lastTier = scheme.tiers[scheme.tiers.length - 1]?.sec ?? 0;
    const {
      results: etas,
      beyond,
      notRanked,
    } = await this.eta.etaTo(target, usable, now, {
      maxSec: Math.max(RECOMMEND_MIN_SEARCH_SEC, 2 * lastTier),
      topK: RECOMMEND_TOP_K,
    });
    const searchedAt = performance.now();
    const unranked = { beyondSearch: beyond.length, notRanked: notRanked.length };
    // the ranked units' records: a few dozen looked up, not a map of the whole fleet
    const byId = new Map<string, FleetUnit | undefined>(etas.map((e) => [e.id, undefined]));
    for (const u of usable) if (byId.has(u.id)) byId.set(u.id, u);
    const candidates: RecommendationCandidate[] = etas
      .map((e) => {
        const u = byId.get(e.id) as FleetUnit;
        return {
          unitId: u.id,
          callsign: u.callsign,
          kind: u.kind,
          status: u.status,
          etaSec: e.etaSec,
          distanceM: e.distanceM,
          tier: ringTierFor(e.etaSec, scheme),
          method: e.method,
        };
      })
      .sort(
        (a, b) =>
          a.etaSec - b.etaSec || a.distanceM - b.distanceM || a.callsign.localeCompare(b.callsign),
      );
    const phase = this.metrics.recommendationPhase;
    phase.observe({ phase: 'reads' }, (readAt - started) / 1000);
    phase.observe({ phase: 'fleet' }, (fleetAt - readAt) / 1000);
    phase.observe({ phase: 'search' }, (searchedAt - fleetAt) / 1000);
    phase.observe({ phase: 'answer' }, (performance.now() - searchedAt) / 1000);
    return { candidates, excluded, unranked };
  }

  private async unitsWithPositions(db: DbOrTx, ids: string[]) {
    return overlayLive(await selectUnitPositions(db, ids), await this.live.get(ids));
  }

  /**
   * The whole fleet's reads: the roster from memory (kept exact by UnitRoster), positions from
   * the live store; only units it holds no fix for are read from their rows.
   */
  private async fleetReads(db: DbOrTx): Promise<FleetReads> {
    const [roster, live] = await Promise.all([this.roster.all(), this.live.recent()]);
    const missing: string[] = [];
    for (const u of roster) if (!live.has(u.id)) missing.push(u.id);
    const stored = missing.length ? await selectUnitPositions(db, missing) : [];
    return { roster, live, stored };
  }
}

interface FleetReads {
  roster: RosterUnit[];
  live: ReadonlyMap<string, LiveFix>;
  stored: Awaited<ReturnType<typeof selectUnitPositions>>;
}

/**
 * The fleet's reads joined: one plain record per unit, the newer of the row's and the live fix
 * (as `overlayLive`), times as numbers. At the peak this runs for every recommendation over
 * 5,000 units, and spreading rows and making Dates cost about 20 ms of the event loop each time.
 */
function joinFleet({ roster, live, stored: rows }: FleetReads): FleetUnit[] {
  const stored = new Map(rows.map((r) => [r.id, r]));
  const fleet: FleetUnit[] = new Array(roster.length);
  for (let i = 0; i < roster.length; i++) {
    const u = roster[i];
    const row = stored.get(u.id);
    const f = live.get(u.id);
    let lon = row?.lon ?? null;
    let lat = row?.lat ?? null;
    let atMs = row?.position_at ? new Date(row.position_at).getTime() : null;
    if (f && (atMs === null || atMs < f.atMs)) {
      lon = f.lon;
      lat = f.lat;
      atMs = f.atMs;
    }
    fleet[i] = { id: u.id, callsign: u.callsign, kind: u.kind, status: u.status, lon, lat, atMs };
  }
  return fleet;
}

/** A unit as a recommendation ranks it: its position and the time of that fix (ms), or nulls. */
interface FleetUnit {
  id: string;
  callsign: string;
  kind: string;
  status: string;
  lon: number | null;
  lat: number | null;
  atMs: number | null;
}
