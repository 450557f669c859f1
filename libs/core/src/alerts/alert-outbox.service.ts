import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { isDistrictAlert, toAlertView } from './alerts';
import { lockUndeliveredAlerts, markAlertsDelivered } from './alerts.queries';
import { Clock, DatabaseService } from '../platform';
import { RealtimePublisher } from '../realtime';

/**
 * How often undelivered alerts are looked for. Writers kick delivery themselves after commit; the
 * poll is for what they could not push: a process that died between commit and push, or alerts
 * raised before this process had a delivery path.
 */
const POLL_MS = 2_000;
const BATCH = 200;

/**
 * An alert written is an alert delivered: `alerts` rows start with `delivered_at` null and this
 * pushes them to the consoles of their jurisdiction and marks them. Every process with a
 * delivery path runs it (api instances and the worker); `SKIP LOCKED` hands each alert to one of
 * them, so a console gets each alert once. Delivery is at least once: a process that dies after
 * pushing and before marking leaves the row for another push.
 */
@Injectable()
export class AlertOutbox implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AlertOutbox.name);
  private poll?: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly realtime: RealtimePublisher,
  ) {}

  onApplicationBootstrap() {
    this.realtime.whenBound(() => {
      if (this.closed) return;
      void this.kick();
      this.poll = setInterval(() => void this.kick(), POLL_MS);
      this.poll.unref();
    });
  }

  async beforeApplicationShutdown() {
    this.closed = true;
    if (this.poll) clearInterval(this.poll);
    await this.running;
  }

  /** Pushes every undelivered alert now; concurrent calls share one run (plus one rerun). */
  kick(): Promise<void> {
    if (this.closed || !this.realtime.ready) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          let pushed: number;
          do pushed = await this.deliverBatch();
          while (pushed === BATCH && !this.closed);
        } while (this.again && !this.closed);
      } catch (err) {
        // the rows stay undelivered: the next kick or poll pushes them
        this.logger.warn(`alert delivery failed: ${(err as Error).message}`);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private deliverBatch(): Promise<number> {
    return this.database.transaction(async (tx) => {
      const rows = await lockUndeliveredAlerts(tx, BATCH);
      if (!rows.length) return 0;
      // The alert rows committed long ago; this transaction only holds them while they are pushed,
      // so a failed mark means a second push, never a lost one.
      for (const r of rows) {
        const view = toAlertView(r);
        this.realtime.toConsoles({
          event: 'alert',
          payload: view,
          actingSeatsOnly: isDistrictAlert(view),
          jurisdictionIds: r.incident_id
            ? [r.district_id, r.station_id, r.grid_id]
            : [typeof r.data.districtId === 'string' ? r.data.districtId : null],
        });
      }
      await markAlertsDelivered(
        tx,
        rows.map((r) => r.id),
        this.clock.now(),
      );
      return rows.length;
    });
  }
}
