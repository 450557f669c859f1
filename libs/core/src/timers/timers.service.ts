import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import {
  TIMERS_QUEUE,
  type AlertView,
  type AssignmentView,
  type IncidentView,
  type TimerJob,
} from '@ringcad/contracts';
import { isIncidentOpen, tiersMet, type UnitKind } from '@ringcad/domain';
import type { Tx } from '@ringcad/db';
import {
  Clock,
  type AppConfig,
  DatabaseService,
  SYSTEM_ACTOR,
  QueueService,
  APP_CONFIG,
} from '../platform';
import { appendIncidentEvent, bumpIncident, lockIncident } from '../incident-log';
import { AlertOutbox, insertAlert } from '../alerts';
import { AfterCommit, RealtimePublisher } from '../realtime';
import {
  cancelPendingTimers,
  insertTimer,
  lockTimer,
  selectAckAssignment,
  selectIncidentDispatch,
  selectOverdueTimers,
  selectPendingTierDeadlines,
  selectPendingTimerIds,
  selectPendingTimers,
  selectSceneArrivals,
  selectTimerIncident,
  settleTimer,
  upsertTierDeadline,
} from './timers.queries';

/** A pending timer this late is fired by the sweeper rather than waiting for its job. */
const SWEEP_GRACE_MS = 5_000;

export const ackTimerId = (assignmentId: string) => `ack-${assignmentId}`;
export const tierTimerId = (incidentId: string, tier: number) => `tier-${incidentId}-${tier}`;

export type TimerKind = 'ack_overdue' | 'tier_deadline' | 'check_in_prompt' | 'check_in_overdue';

/** What a timer kind registered by another feature (registerKind) gets when its timer comes due. */
export interface TimerFiring {
  tx: Tx;
  timer: {
    id: string;
    kind: TimerKind;
    incidentId: string;
    assignmentId: string | null;
    createdAt: Date;
    dueAt: Date;
  };
  incident: IncidentView;
  now: Date;
  after: AfterCommit;
}
/** `null`: the awaited thing happened, the timer settles; else it fired (with an alert or not). */
export type TimerOutcome = {
  alert: { kind: AlertView['kind']; unitId: string | null; data: Record<string, unknown> } | null;
} | null;

/** An assignment event, seen by features that arm timers on it (inside its transaction). */
export interface AssignmentEventSeen {
  assignmentId: string;
  unitId: string;
  incident: IncidentView;
  type: string;
  now: Date;
  after: AfterCommit;
}

/**
 * Timers (ack overdue, ring tier deadlines): a row in `timers` is the durable truth, a BullMQ
 * delayed job with the same id is the fast path. Handlers are idempotent: a timer fires at most
 * once, and one whose awaited event already happened settles silently.
 */
import { RingSchemesService } from '../schemes';
@Injectable()
export class TimersService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TimersService.name);
  private sweeper?: NodeJS.Timeout;
  private stopped = false;
  private readonly kinds = new Map<TimerKind, (f: TimerFiring) => Promise<TimerOutcome>>();
  private readonly assignmentListeners: ((tx: Tx, e: AssignmentEventSeen) => Promise<void>)[] = [];

  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly queues: QueueService,
    private readonly realtime: RealtimePublisher,
    private readonly alerts: AlertOutbox,
    private readonly schemes: RingSchemesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit() {
    // its worker starts once the publisher is bound (see below)
    this.queues.handle(TIMERS_QUEUE, (job) => this.process(job), {
      startWhen: new Promise<void>((bound) => this.realtime.whenBound(() => bound())),
    });
  }

  async onApplicationBootstrap() {
    if (!this.config.runProcessors) return;
    // A timer that fires before this process can push its alert would raise it into the void
    // (the worker binds its Redis emitter, the api its socket.io server, before bootstrap).
    if (this.realtime.bound) return this.startProcessing();
    this.logger.warn('timers wait for the realtime publisher');
    this.realtime.whenBound(() => {
      this.startProcessing().catch((err: Error) =>
        this.logger.error(`timers did not start: ${err.message}`),
      );
    });
  }

  private async startProcessing() {
    if (this.stopped) return;
    const restored = await this.restorePending();
    if (restored) this.logger.log(`re-created ${restored} pending timer job(s) from the database`);
    this.sweeper = setInterval(() => {
      this.sweepOverdue().catch((err: Error) =>
        this.logger.error(`timer sweep failed: ${err.message}`),
      );
    }, this.config.TIMER_SWEEP_SEC * 1000);
    this.sweeper.unref();
  }

  onApplicationShutdown() {
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
  }

  async scheduleAckOverdue(
    tx: Tx,
    a: AssignmentView,
    incident: IncidentView,
    timeoutSec: number,
    now: Date,
    after: AfterCommit,
  ) {
    await this.insert(tx, {
      id: ackTimerId(a.id),
      kind: 'ack_overdue',
      incidentId: incident.id,
      assignmentId: a.id,
      tierIndex: null,
      dueAt: new Date(now.getTime() + timeoutSec * 1000),
      now,
      after,
    });
  }

  async scheduleTierDeadlines(
    tx: Tx,
    incident: IncidentView,
    dispatchedAt: Date,
    after: AfterCommit,
  ) {
    const scheme = await this.schemes.find(incident.schemeId, tx);
    if (!scheme) return;
    for (let i = 0; i < scheme.tiers.length; i++) {
      await this.insert(tx, {
        id: tierTimerId(incident.id, i),
        kind: 'tier_deadline',
        incidentId: incident.id,
        assignmentId: null,
        tierIndex: i,
        dueAt: new Date(dispatchedAt.getTime() + scheme.tiers[i].sec * 1000),
        now: dispatchedAt,
        after,
      });
    }
  }

  /**
   * The incident's scheme changed after dispatch (更正 of place or priority): pending tier deadlines
   * are moved to the new scheme's times, tiers the new scheme lacks are cancelled, fired ones stay.
   */
  async rearmTierDeadlines(
    tx: Tx,
    incident: IncidentView,
    dispatchedAt: Date,
    now: Date,
    after: AfterCommit,
  ) {
    const scheme = await this.schemes.find(incident.schemeId, tx);
    const pending = await selectPendingTierDeadlines(tx, incident.id);
    await this.settle(
      tx,
      pending.filter((p) => !scheme || (p.tier_index ?? 0) >= scheme.tiers.length).map((p) => p.id),
      now,
      after,
    );
    if (!scheme) return;
    for (let i = 0; i < scheme.tiers.length; i++) {
      const id = tierTimerId(incident.id, i);
      const dueAt = new Date(dispatchedAt.getTime() + scheme.tiers[i].sec * 1000);
      const written = await upsertTierDeadline(tx, {
        id,
        incidentId: incident.id,
        tierIndex: i,
        dueAt,
        now,
      });
      // the old delayed job would come due at the old time: replace it
      if (written)
        after.add(async () => {
          await this.dequeue(id);
          await this.enqueue(id, dueAt);
        });
    }
  }

  /** Another feature's timer kind: `fire` calls `handler` (idempotently, at most once per timer). */
  registerKind(kind: TimerKind, handler: (f: TimerFiring) => Promise<TimerOutcome>) {
    this.kinds.set(kind, handler);
  }

  /** Features that arm timers on assignment events (arrival...) listen here. */
  onAssignmentEvent(listener: (tx: Tx, e: AssignmentEventSeen) => Promise<void>) {
    this.assignmentListeners.push(listener);
  }

  /** Called by dispatch inside the event's transaction. */
  async assignmentEvent(tx: Tx, e: AssignmentEventSeen) {
    for (const l of this.assignmentListeners) await l(tx, e);
  }

  /** A timer of a registered kind; its id is its deduplication key. */
  schedule(
    tx: Tx,
    t: {
      id: string;
      kind: TimerKind;
      incidentId: string;
      assignmentId: string | null;
      dueAt: Date;
      now: Date;
      after: AfterCommit;
    },
  ) {
    return this.insert(tx, { ...t, tierIndex: null });
  }

  /** Cancels pending timers (those already fired or cancelled stay as they are). */
  cancelTimers(tx: Tx, ids: string[], now: Date, after: AfterCommit) {
    return this.settle(tx, ids, now, after);
  }

  private async insert(
    tx: Tx,
    t: {
      id: string;
      kind: TimerKind;
      incidentId: string;
      assignmentId: string | null;
      tierIndex: number | null;
      dueAt: Date;
      now: Date;
      after: AfterCommit;
    },
  ) {
    await insertTimer(tx, {
      id: t.id,
      kind: t.kind,
      incident_id: t.incidentId,
      assignment_id: t.assignmentId,
      tier_index: t.tierIndex,
      due_at: t.dueAt,
      status: 'pending',
      created_at: t.now,
      settled_at: null,
    });
    t.after.add(() => this.enqueue(t.id, t.dueAt));
  }

  private async enqueue(timerId: string, dueAt: Date) {
    const delay = Math.max(0, dueAt.getTime() - this.clock.now().getTime());
    try {
      await this.queues.queue(TIMERS_QUEUE).add('timer', { timerId } satisfies TimerJob, {
        jobId: timerId,
        delay,
        removeOnComplete: true,
        removeOnFail: 1000,
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
      });
    } catch (err) {
      // the row is pending: the sweeper or the next start-up fires it
      this.logger.error(`could not enqueue timer ${timerId}: ${(err as Error).message}`);
    }
  }

  private async dequeue(timerId: string) {
    try {
      await this.queues.queue(TIMERS_QUEUE).remove(timerId);
    } catch (err) {
      this.logger.warn(`could not remove timer job ${timerId}: ${(err as Error).message}`);
    }
  }

  private async settle(tx: Tx, ids: string[], now: Date, after: AfterCommit) {
    if (!ids.length) return;
    const settled = await cancelPendingTimers(tx, ids, now);
    for (const s of settled) after.add(() => this.dequeue(s.id));
  }

  settleAckTimer(tx: Tx, assignmentId: string, now: Date, after: AfterCommit) {
    return this.settle(tx, [ackTimerId(assignmentId)], now, after);
  }

  async cancelForIncident(tx: Tx, incidentId: string, after: AfterCommit, now: Date) {
    const pending = await selectPendingTimerIds(tx, incidentId);
    await this.settle(
      tx,
      pending.map((p) => p.id),
      now,
      after,
    );
  }

  /** After an arrival: tier deadlines that are now met need no alert. */
  async settleMetTiers(tx: Tx, incidentId: string, now: Date, after: AfterCommit) {
    const met = await this.tiersMetNow(tx, incidentId);
    if (!met) return;
    const pending = await selectPendingTierDeadlines(tx, incidentId);
    await this.settle(
      tx,
      pending.filter((p) => p.tier_index !== null && met[p.tier_index]).map((p) => p.id),
      now,
      after,
    );
  }

  private async tiersMetNow(tx: Tx, incidentId: string): Promise<boolean[] | null> {
    const inc = await selectIncidentDispatch(tx, incidentId);
    const scheme = inc && (await this.schemes.find(inc.scheme_id, tx));
    if (!inc?.dispatched_at || !scheme) return null;
    const dispatchedAt = new Date(inc.dispatched_at).getTime();
    const arrivals = await selectSceneArrivals(tx, incidentId);
    return tiersMet(
      scheme,
      arrivals.map((r) => ({
        unitKind: r.kind as UnitKind,
        afterSec: (new Date(r.arrived_at).getTime() - dispatchedAt) / 1000,
      })),
    );
  }

  private async process({ timerId }: TimerJob) {
    await this.fire(timerId);
  }

  /** Fires one timer if it is still pending and its condition still holds. Idempotent. */
  async fire(timerId: string): Promise<'fired' | 'settled' | 'gone'> {
    const after = new AfterCommit();
    const outcome = await this.database.transaction(async (tx) => {
      const head = await selectTimerIncident(tx, timerId);
      if (!head) return 'gone' as const;
      const incident = await lockIncident(tx, head.incident_id);
      const timer = await lockTimer(tx, timerId);
      if (timer.status !== 'pending') return 'gone' as const;
      const now = this.clock.now();
      // a job left over from before its deadline was moved (rearmTierDeadlines): not due yet
      if (new Date(timer.due_at).getTime() > now.getTime() + 1000) return 'gone' as const;
      let alert: {
        kind: AlertView['kind'];
        unitId: string | null;
        data: Record<string, unknown>;
      } | null = null;
      let firedQuietly = false;
      if (isIncidentOpen(incident.status)) {
        const handler = this.kinds.get(timer.kind);
        if (handler) {
          const outcome = await handler({
            tx,
            timer: {
              id: timer.id,
              kind: timer.kind,
              incidentId: timer.incident_id,
              assignmentId: timer.assignment_id,
              createdAt: new Date(timer.created_at),
              dueAt: new Date(timer.due_at),
            },
            incident,
            now,
            after,
          });
          alert = outcome?.alert ?? null;
          firedQuietly = outcome !== null && !alert;
        } else if (timer.kind === 'ack_overdue' && timer.assignment_id) {
          const row = await selectAckAssignment(tx, timer.assignment_id);
          if (row?.status === 'assigned') {
            alert = {
              kind: 'ack_overdue',
              unitId: row.unit_id,
              data: {
                callsign: row.callsign,
                incidentNumber: incident.number,
                priority: incident.priority,
                waitedSec: Math.round((now.getTime() - new Date(row.assigned_at).getTime()) / 1000),
              },
            };
          }
        } else if (timer.kind === 'tier_deadline' && timer.tier_index !== null) {
          const met = await this.tiersMetNow(tx, incident.id);
          const scheme = await this.schemes.find(incident.schemeId, tx);
          if (met && scheme && !met[timer.tier_index]) {
            const tier = scheme.tiers[timer.tier_index];
            alert = {
              kind: 'tier_missed',
              unitId: null,
              data: {
                incidentNumber: incident.number,
                schemeId: scheme.id,
                tierIndex: timer.tier_index,
                tierSec: tier.sec,
                label: tier.label,
              },
            };
          }
        }
      }
      await settleTimer(tx, timerId, alert || firedQuietly ? 'fired' : 'cancelled', now);
      if (!alert) return firedQuietly ? ('fired' as const) : ('settled' as const);
      const inserted = await insertAlert(tx, {
        kind: alert.kind,
        incident_id: incident.id,
        unit_id: alert.unitId,
        assignment_id: timer.assignment_id,
        timer_id: timerId,
        at: now,
        data: JSON.stringify(alert.data),
        acknowledged_at: null,
        acknowledged_by: null,
      });
      const version = await bumpIncident(tx, incident.id);
      await appendIncidentEvent(
        tx,
        incident.id,
        version,
        `alert.${alert.kind}`,
        now,
        SYSTEM_ACTOR,
        {
          alertId: inserted.id,
          timerId,
          assignmentId: timer.assignment_id,
          ...alert.data,
        },
      );
      // the outbox pushes it after commit (and again after a crash before the push)
      after.add(() => this.alerts.kick());
      return 'fired' as const;
    });
    await after.run();
    return outcome;
  }

  /** Start-up: every pending timer gets its job back (BullMQ ignores ids it already holds). */
  async restorePending(): Promise<number> {
    const pending = await selectPendingTimers(this.database.db);
    for (const t of pending) await this.enqueue(t.id, new Date(t.due_at));
    return pending.length;
  }

  /** Safety net for a lost queue: fire pending timers that are overdue beyond the grace period. */
  async sweepOverdue(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - SWEEP_GRACE_MS);
    const overdue = await selectOverdueTimers(this.database.db, cutoff, 500);
    for (const t of overdue) await this.fire(t.id);
    return overdue.length;
  }
}
