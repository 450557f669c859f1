import { Inject, Injectable } from '@nestjs/common';
import type { ConsoleSync } from '@ringcad/contracts';
import { seesCallerNumber } from '@ringcad/domain';
import { APP_CONFIG, Clock, DatabaseService, type AppConfig, type Principal } from '../platform';
import { IncidentsService, DeskService } from '../incidents';
import { AlertsService, actsOnDistrictAlerts } from '../alerts';
import { UnitsService } from '../fleet';
import { assignmentsOfIncidents } from './console-sync.queries';

/** What a snapshot depends on besides the data: two principals with the same key see the same. */
export function syncScopeKey(by: Principal): string {
  if (by.kind !== 'user') return `unit:${by.unitId}`;
  return `${by.jurisdictionId ?? 'city'}|${seesCallerNumber(by.roles)}|${actsOnDistrictAlerts(by)}`;
}

/** Per scope: the build running now, and the one that starts after it (joined by late comers). */
interface Builds {
  running: Promise<ConsoleSync> | null;
  next: Promise<ConsoleSync> | null;
}

/**
 * The snapshot a console gets on every (re)connect: a fixed number of statements whatever the
 * number of open incidents (each part is one query over all of them).
 */
@Injectable()
export class ConsoleSyncService {
  private readonly builds = new Map<string, Builds>();

  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly incidents: IncidentsService,
    private readonly units: UnitsService,
    private readonly desk: DeskService,
    private readonly alerts: AlertsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The snapshot for `by`, built once for every console of the same scope that asks at the same
   * time (100 consoles reconnecting after an api restart take two builds, not 100 pool
   * connections). A request never joins a build that started before it: that build may have read
   * before the asking console joined its rooms, and the events in between would be lost to it. It
   * waits for the next build instead, which all requests arriving meanwhile share. The promise is
   * the same object for everyone who shares a build (the gateway sends it once to all of them).
   */
  shared(by: Principal): Promise<ConsoleSync> {
    const key = syncScopeKey(by);
    let b = this.builds.get(key);
    if (!b) this.builds.set(key, (b = { running: null, next: null }));
    const slot = b;
    const start = (): Promise<ConsoleSync> => {
      const p = this.snapshot(by);
      slot.running = p;
      const done = () => {
        if (slot.running === p) slot.running = null;
        if (!slot.running && !slot.next) this.builds.delete(key);
      };
      p.then(done, done);
      return p;
    };
    if (slot.next) return slot.next;
    if (!slot.running) return start();
    const next = slot.running
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        slot.next = null;
        return start();
      });
    slot.next = next;
    return next;
  }

  async snapshot(by: Principal): Promise<ConsoleSync> {
    const at = this.clock.now().toISOString();
    const incidents = await this.incidents.list({ status: 'open', limit: 1000 }, by);
    const assignments = await assignmentsOfIncidents(
      this.database.db,
      incidents.map((i) => i.id),
    );
    // the whole fleet is shared (every seat draws it); incidents and alerts are the scope's own,
    // and only the alerts of incidents still on the board
    const visible = new Set(incidents.map((i) => i.id));
    const alerts = (await this.alerts.openAlerts(by)).filter(
      (a) => a.incidentId === null || visible.has(a.incidentId),
    );
    const notes = await this.desk.notesOf(incidents.map((i) => i.id));
    return {
      at,
      incidents,
      assignments,
      units: await this.units.list(),
      alerts,
      notes,
      positionStaleSec: this.config.POSITION_STALE_SEC,
    };
  }
}
