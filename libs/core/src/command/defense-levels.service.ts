import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DefenseLevelRequest, DefenseLevelView } from '@ringcad/contracts';
import {
  coverageBelowTarget,
  DEFAULT_DEFENSE_LEVEL,
  DEFENSE_LEVEL_POLICIES,
  type DefenseLevel,
  type DefenseLevelPolicy,
} from '@ringcad/domain';
import {
  appendAudit,
  APP_CONFIG,
  Clock,
  DatabaseService,
  notFound,
  actorOf,
  type AppConfig,
  type Principal,
} from '../platform';
import { AfterCommit, RealtimePublisher } from '../realtime';
import { AlertOutbox, selectOpenDistrictAlert } from '../alerts';
import {
  ScopeService,
  assertJurisdictionInScope,
  coversJurisdiction,
  jurisdictionExists,
} from '../auth';
import { insertAlert } from './agencies.queries';
import {
  availableUnitsPerDistrict,
  districtsWithUnits,
  insertLevelChange,
  latestLevelRows,
  lockBreachState,
  saveBreach,
  type LevelRow,
} from './defense-levels.queries';

/** What a coverage push looks like to the level check (see CoverageService). */
export interface CoverageSnapshot {
  districts: { id: string; name: string; tiers: { sec: number; roadKmPct: number }[] }[];
  /** The available units' positions the coverage was computed from (else the units' rows). */
  unitPositions?: { lon: number; lat: number }[];
}

const policyView = (p: DefenseLevelPolicy) => ({
  tierSec: p.tierSec,
  minRoadKmPct: p.minRoadKmPct,
  minAvailableUnits: p.minAvailableUnits,
  maxMoves: p.maxMoves,
});

/**
 * 等级化防控: commanders set a level (1 highest … 4 everyday) for the city or a jurisdiction;
 * every change is an append-only row with its actor. The level in force sets each district's
 * coverage target; coverage pushes are checked against it and a district that falls short
 * raises one `coverage_below_target` alert per breach (a breach closes when it recovers).
 *
 * No alert storm: nothing is raised in the first COVERAGE_ALERT_GRACE_SEC after start (units are
 * still signing in), a district without units of its own (stationed in it or last seen in it) is
 * not judged at all, and a district has at most one open alert: a new breach while its last
 * alert waits for acknowledgement raises nothing more.
 */
@Injectable()
export class DefenseLevelsService {
  private readonly logger = new Logger(DefenseLevelsService.name);
  /** When this process started judging coverage (the grace period counts from here). */
  private readonly startedAtMs: number;
  private graceLogged = false;

  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly realtime: RealtimePublisher,
    private readonly alerts: AlertOutbox,
    private readonly scopes: ScopeService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.startedAtMs = this.clock.now().getTime();
  }

  /** Whether coverage alerts are still held back after start. */
  private inGracePeriod(): boolean {
    const left =
      this.startedAtMs + this.config.COVERAGE_ALERT_GRACE_SEC * 1000 - this.clock.now().getTime();
    if (left > 0 && !this.graceLogged) {
      this.graceLogged = true;
      this.logger.log(
        `coverage alerts held for the first ${this.config.COVERAGE_ALERT_GRACE_SEC} s after start (COVERAGE_ALERT_GRACE_SEC)`,
      );
    }
    return left > 0;
  }

  async set(input: DefenseLevelRequest, by: Principal): Promise<DefenseLevelView> {
    // a district commander raises their district (or below it), never the city or a neighbour
    assertJurisdictionInScope(await this.scopes.scopeOf(by), input.jurisdictionId);
    const after = new AfterCommit();
    const view = await this.database.transaction(async (tx) => {
      if (input.jurisdictionId && !(await jurisdictionExists(tx, input.jurisdictionId))) {
        throw notFound('jurisdiction', input.jurisdictionId);
      }
      const now = this.clock.now();
      const actor = actorOf(by);
      await insertLevelChange(tx, {
        jurisdiction_id: input.jurisdictionId,
        level: input.level,
        reason: input.reason,
        at: now,
        actor_id: actor.id,
        actor_name: actor.name,
      });
      await appendAudit(tx, now, actor, 'defense-level.set', 'jurisdiction', input.jurisdictionId, {
        level: input.level,
        reason: input.reason,
      });
      const v = this.toView({
        jurisdiction_id: input.jurisdictionId,
        level: input.level,
        reason: input.reason,
        at: now,
        actor_name: actor.name,
      });
      after.add(() =>
        this.realtime.toConsoles({
          event: 'defense-level.changed',
          payload: v,
          jurisdictionIds: [input.jurisdictionId],
        }),
      );
      return v;
    });
    await after.run();
    return view;
  }

  /**
   * The level in force per jurisdiction that has one, the city-wide level first (default 4). A
   * scoped account sees the city-wide level (it applies to them) and the levels in its scope.
   */
  async current(by: Principal): Promise<DefenseLevelView[]> {
    const scope = await this.scopes.scopeOf(by);
    const rows = (await this.latestRows()).filter(
      (r) => r.jurisdiction_id === null || coversJurisdiction(scope, r.jurisdiction_id),
    );
    const city = rows.find((r) => r.jurisdiction_id === null);
    const views = rows.filter((r) => r.jurisdiction_id !== null).map((r) => this.toView(r));
    return [
      city
        ? this.toView(city)
        : {
            jurisdictionId: null,
            level: DEFAULT_DEFENSE_LEVEL,
            reason: null,
            at: null,
            by: null,
            policy: policyView(DEFENSE_LEVEL_POLICIES[DEFAULT_DEFENSE_LEVEL]),
          },
      ...views,
    ];
  }

  /** The level in force for a district: its own, else the city-wide one, else the default. */
  async levelFor(districtId: string | null): Promise<DefenseLevel> {
    const rows = await this.latestRows();
    return this.pick(rows, districtId);
  }

  private pick(rows: LevelRow[], districtId: string | null): DefenseLevel {
    const own = districtId ? rows.find((r) => r.jurisdiction_id === districtId) : undefined;
    const city = rows.find((r) => r.jurisdiction_id === null);
    return ((own ?? city)?.level ?? DEFAULT_DEFENSE_LEVEL) as DefenseLevel;
  }

  private async latestRows(): Promise<LevelRow[]> {
    return latestLevelRows(this.database.db);
  }

  private toView(r: LevelRow): DefenseLevelView {
    const level = r.level as DefenseLevel;
    return {
      jurisdictionId: r.jurisdiction_id,
      level,
      reason: r.reason,
      at: new Date(r.at).toISOString(),
      by: r.actor_name,
      policy: policyView(DEFENSE_LEVEL_POLICIES[level]),
    };
  }

  /**
   * Checks a coverage push against each district's level. A district enters breach (one alert,
   * recorded and pushed) when its coverage of the level's tier or its available units fall
   * short, and leaves it when both recover; pushes in between change nothing. Districts are
   * checked only when the pushed scheme has the level's tier.
   */
  async evaluateCoverage(coverage: CoverageSnapshot): Promise<number> {
    if (!coverage.districts.length || this.inGracePeriod()) return 0;
    const staffed = new Set(await districtsWithUnits(this.database.db));
    const levels = await this.latestRows();
    const counts = await availableUnitsPerDistrict(this.database.db, coverage.unitPositions);
    const unitsIn = new Map(counts.map((r) => [r.id, Number(r.n)]));
    let raised = 0;
    for (const d of coverage.districts) {
      // a district nobody staffs yet (a city being set up) has nothing to move: no alert
      if (!staffed.has(d.id)) continue;
      const level = this.pick(levels, d.id);
      const policy = DEFENSE_LEVEL_POLICIES[level];
      const tier = d.tiers.find((t) => t.sec === policy.tierSec);
      if (!tier) continue;
      const available = unitsIn.get(d.id) ?? 0;
      const below = coverageBelowTarget(level, tier.roadKmPct, available);
      if (await this.transition(d, level, policy, tier.roadKmPct, available, below)) raised++;
    }
    return raised;
  }

  /** Opens or closes a district's breach; returns whether an alert was raised. */
  private async transition(
    d: { id: string; name: string },
    level: DefenseLevel,
    policy: DefenseLevelPolicy,
    roadKmPct: number,
    availableUnits: number,
    below: boolean,
  ): Promise<boolean> {
    const after = new AfterCommit();
    const raised = await this.database.transaction(async (tx) => {
      const now = this.clock.now();
      const wasOpen = await lockBreachState(tx, d.id);
      if (wasOpen === below) return false;
      let alertId: string | null = null;
      // its last breach's alert still waits for acknowledgement: that one stands for this breach
      const open = below ? await selectOpenDistrictAlert(tx, d.id) : undefined;
      if (open) {
        await saveBreach(tx, {
          district_id: d.id,
          open: true,
          level,
          alert_id: open,
          changed_at: now,
        });
        return false;
      }
      if (below) {
        const data = {
          districtId: d.id,
          districtName: d.name,
          level,
          tierSec: policy.tierSec,
          roadKmPct,
          targetRoadKmPct: policy.minRoadKmPct,
          availableUnits,
          minAvailableUnits: policy.minAvailableUnits,
        };
        alertId = await insertAlert(tx, {
          kind: 'coverage_below_target',
          incident_id: null,
          at: now,
          data: JSON.stringify(data),
        });
        // pushed by the outbox after commit, to the consoles of its jurisdiction
        after.add(() => this.alerts.kick());
      }
      await saveBreach(tx, {
        district_id: d.id,
        open: below,
        level,
        alert_id: alertId,
        changed_at: now,
      });
      return below;
    });
    await after.run();
    if (raised) this.logger.log(`coverage below level ${level} target in district ${d.id}`);
    return raised;
  }
}
