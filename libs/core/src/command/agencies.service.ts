import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import {
  AGENCIES_QUEUE,
  type AgencyJob,
  type AgencyNotificationView,
  type AgencyRequest,
  type IncidentView,
} from '@ringcad/contracts';
import type { Agency } from '@ringcad/domain';
import type { Tx } from '@ringcad/db';
import {
  Clock,
  type AppConfig,
  DatabaseService,
  conflict,
  forbidden,
  actorOf,
  SYSTEM_ACTOR,
  type Principal,
  QueueService,
  APP_CONFIG,
} from '../platform';
import {
  appendIncidentEvent,
  bumpIncident,
  lockIncident,
  readIncident,
  lockOpenIncidentInScope,
} from '../incident-log';
import { ScopeService } from '../auth';
import { AfterCommit, RealtimePublisher } from '../realtime';
import { AlertOutbox } from '../alerts';
import {
  claimNotificationAttempt,
  incidentForAgency,
  insertAlert,
  insertNotification,
  notificationsOfIncident,
  pendingNotificationIds,
  recordNotificationError,
  settleNotification,
  type NotificationRow,
} from './agencies.queries';

export const agencyJobId = (notificationId: string) => `agency-${notificationId}`;

function toView(r: NotificationRow): AgencyNotificationView {
  return {
    id: r.id,
    incidentId: r.incident_id,
    agency: r.agency,
    mode: r.mode,
    note: r.note,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: new Date(r.created_at).toISOString(),
    deliveredAt: r.delivered_at ? new Date(r.delivered_at).toISOString() : null,
  };
}

/**
 * 联动: notify or transfer an incident to 119 / 120 / 122. The request is a logged incident
 * event and a durable row; a BullMQ job POSTs it to the agency's webhook, retried with
 * exponential backoff until a 2xx acknowledges it (event `agency.delivered`) or the attempts
 * run out (event `agency.undelivered` + alert `agency_undelivered`). The row is the truth: the
 * attempt count lives there, a delivered or failed row is never sent again, and pending rows
 * get their job back at start-up. Receivers get `Idempotency-Key: <notification id>`.
 */
@Injectable()
export class AgenciesService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(AgenciesService.name);

  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly queues: QueueService,
    private readonly realtime: RealtimePublisher,
    private readonly alerts: AlertOutbox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scopes: ScopeService,
  ) {}

  onModuleInit() {
    this.queues.handle(AGENCIES_QUEUE, (job) => this.process(job));
  }

  async onApplicationBootstrap() {
    if (!this.config.runProcessors) return;
    const ids = await pendingNotificationIds(this.database.db);
    for (const id of ids) await this.enqueue(id);
    if (ids.length) this.logger.log(`re-queued ${ids.length} pending agency notification(s)`);
  }

  webhookFor(agency: Agency): string | undefined {
    return this.config.AGENCY_WEBHOOKS[agency];
  }

  /** A dispatcher's (or commander's) request: refused when no webhook is configured for the agency. */
  async request(
    incidentId: string,
    input: AgencyRequest,
    by: Principal,
  ): Promise<AgencyNotificationView> {
    if (by.kind !== 'user') throw forbidden('unit terminals may not contact agencies');
    const scope = await this.scopes.scopeOf(by);
    const after = new AfterCommit();
    const view = await this.database.transaction(async (tx) => {
      const incident = await lockOpenIncidentInScope(tx, incidentId, scope);
      const url = this.webhookFor(input.agency);
      if (!url)
        throw conflict(`no webhook is configured for agency ${input.agency} (AGENCY_WEBHOOKS)`);
      return this.insert(tx, incident, input, url, by, after);
    });
    await after.run();
    return view;
  }

  /**
   * Inside the caller's transaction (incident locked or just created): the notifications a
   * response plan lists. Agencies without a webhook are logged as not sent.
   */
  async notifyFromPlan(
    tx: Tx,
    incident: IncidentView,
    agencies: readonly Agency[],
    planId: string,
    after: AfterCommit,
  ) {
    for (const agency of agencies) {
      const url = this.webhookFor(agency);
      if (url) {
        await this.insert(
          tx,
          incident,
          { agency, mode: 'notify', note: `预案 ${planId}` },
          url,
          null,
          after,
        );
      } else {
        const version = await bumpIncident(tx, incident.id);
        await appendIncidentEvent(
          tx,
          incident.id,
          version,
          'agency.unconfigured',
          this.clock.now(),
          SYSTEM_ACTOR,
          { agency, planId },
        );
      }
    }
  }

  /**
   * Inside the caller's transaction: hands a closed non-police matter to an agency (12345). Without
   * a webhook the hand-over is recorded as not sent, so the desk knows to phone it through.
   */
  async transferOnClose(
    tx: Tx,
    incident: IncidentView,
    agency: Agency,
    by: Principal,
    after: AfterCommit,
  ) {
    const url = this.webhookFor(agency);
    if (url)
      return this.insert(
        tx,
        incident,
        { agency, mode: 'transfer', note: 'disposition' },
        url,
        by,
        after,
      );
    const version = await bumpIncident(tx, incident.id);
    await appendIncidentEvent(
      tx,
      incident.id,
      version,
      'agency.unconfigured',
      this.clock.now(),
      actorOf(by),
      { agency, mode: 'transfer' },
    );
    return null;
  }

  private async insert(
    tx: Tx,
    incident: IncidentView,
    input: AgencyRequest,
    url: string,
    by: Principal | null,
    after: AfterCommit,
  ): Promise<AgencyNotificationView> {
    const now = this.clock.now();
    const actor = actorOf(by);
    const n = await insertNotification(tx, {
      incident_id: incident.id,
      agency: input.agency,
      mode: input.mode,
      note: input.note ?? null,
      url,
      created_at: now,
      actor_name: actor.name,
    });
    const version = await bumpIncident(tx, incident.id);
    await appendIncidentEvent(tx, incident.id, version, 'agency.requested', now, actor, {
      notificationId: n.id,
      agency: n.agency,
      mode: n.mode,
      note: n.note,
    });
    const updated = await readIncident(tx, incident.id);
    after.add(() => this.realtime.incident('incident.updated', updated));
    after.add(() => this.enqueue(n.id));
    return toView(n);
  }

  async list(incidentId: string): Promise<AgencyNotificationView[]> {
    return (await notificationsOfIncident(this.database.db, incidentId)).map(toView);
  }

  private async enqueue(notificationId: string) {
    try {
      await this.queues
        .queue(AGENCIES_QUEUE)
        .add('deliver', { notificationId } satisfies AgencyJob, {
          jobId: agencyJobId(notificationId),
          attempts: this.config.AGENCY_MAX_ATTEMPTS,
          backoff: { type: 'exponential', delay: this.config.AGENCY_BACKOFF_MS },
          removeOnComplete: true,
          removeOnFail: 1000,
        });
    } catch (err) {
      // the row stays pending: the next start-up queues it again
      this.logger.error(
        `could not queue agency notification ${notificationId}: ${(err as Error).message}`,
      );
    }
  }

  private async process({ notificationId }: AgencyJob) {
    const outcome = await this.attempt(notificationId);
    // throwing makes BullMQ retry with its exponential backoff
    if (outcome.retry) throw new Error(outcome.error);
  }

  /** One delivery attempt. Idempotent: a row that is no longer pending is not sent again. */
  async attempt(notificationId: string): Promise<{ retry: boolean; error?: string }> {
    const n = await claimNotificationAttempt(this.database.db, notificationId);
    if (!n) return { retry: false };
    let error: string | null = null;
    try {
      const res = await fetch(n.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': n.id },
        body: JSON.stringify(await this.payload(n)),
        signal: AbortSignal.timeout(this.config.AGENCY_TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) error = `HTTP ${res.status}`;
    } catch (err) {
      error = (err as Error).message;
    }
    if (error === null) {
      await this.finish(n, 'delivered', null);
      return { retry: false };
    }
    if (n.attempts >= this.config.AGENCY_MAX_ATTEMPTS) {
      await this.finish(n, 'failed', error);
      return { retry: false };
    }
    await recordNotificationError(this.database.db, n.id, error);
    return { retry: true, error: `agency ${n.agency} attempt ${n.attempts}: ${error}` };
  }

  /** What the agency receives: the incident as the 110 centre knows it, without caller data. */
  private async payload(n: NotificationRow) {
    const inc = await incidentForAgency(this.database.db, n.incident_id);
    return {
      notificationId: n.id,
      agency: n.agency,
      mode: n.mode,
      note: n.note,
      incident: inc && {
        id: n.incident_id,
        number: inc.number,
        category: inc.category,
        priority: inc.priority,
        location: { lon: inc.lon, lat: inc.lat },
        address: inc.address,
        description: inc.description,
        createdAt: new Date(inc.created_at).toISOString(),
      },
    };
  }

  private async finish(n: NotificationRow, status: 'delivered' | 'failed', error: string | null) {
    const after = new AfterCommit();
    await this.database.transaction(async (tx) => {
      const incident = await lockIncident(tx, n.incident_id);
      const now = this.clock.now();
      if (!(await settleNotification(tx, n.id, status, error, status === 'delivered' ? now : null)))
        return;
      const version = await bumpIncident(tx, n.incident_id);
      const data = {
        notificationId: n.id,
        agency: n.agency,
        mode: n.mode,
        attempts: n.attempts,
        ...(error ? { error } : {}),
      };
      await appendIncidentEvent(
        tx,
        n.incident_id,
        version,
        status === 'delivered' ? 'agency.delivered' : 'agency.undelivered',
        now,
        SYSTEM_ACTOR,
        data,
      );
      if (status === 'failed') {
        await insertAlert(tx, {
          kind: 'agency_undelivered',
          incident_id: n.incident_id,
          at: now,
          data: JSON.stringify({ ...data, incidentNumber: incident.number }),
        });
        // pushed by the outbox after commit, to the consoles of its jurisdiction
        after.add(() => this.alerts.kick());
      }
      const updated = await readIncident(tx, n.incident_id);
      after.add(() => this.realtime.incident('incident.updated', updated));
    });
    await after.run();
  }
}
