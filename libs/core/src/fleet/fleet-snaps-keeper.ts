import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig, repeatWithoutOverlap } from '../platform';
import { RoadNetworkService } from '../roads';
import { LiveFleetService, RECENT_FLEET_MS } from './live-fleet.service';

/**
 * Keeps a desk api's snaps of the moving fleet fresh in services mode. There, positions arrive
 * at whichever instance takes the report (the AVL gateway behind the L7 rule), and a desk
 * instance learned of them only when a recommendation read the live fleet: that read sent them
 * to be snapped ahead, but the recommendation asking for it could not wait, so after any quiet
 * spell (a night shift's call every few minutes, the first call after a start) it snapped every
 * unit that had moved on the event loop (~120 ms for 5,000 units, while 110 calls wait). Here
 * the live fleet is read every RECENT_FLEET_MS whatever is asked (one whole-fleet read a second,
 * which a busy desk makes anyway), so the routing thread snaps the moves as they come. Embedded
 * mode needs none of it: every report arrives in the one process and is snapped ahead as it
 * is taken. Provided by the api only (the worker answers no recommendation).
 */
@Injectable()
export class FleetSnapsKeeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FleetSnapsKeeper.name);
  private stop: (() => void) | null = null;
  private lastWarned = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly live: LiveFleetService,
    private readonly roads: RoadNetworkService,
  ) {}

  onApplicationBootstrap() {
    if (!this.config.REDIS_URL) return;
    this.stop = repeatWithoutOverlap(
      RECENT_FLEET_MS,
      // no road network, nothing to snap to: the read would be for nothing
      async () => (this.roads.graph ? this.live.readRecent() : undefined),
      (err) => {
        // the live fleet's own read answers Redis being down; anything else is said, not thrown
        if (Date.now() - this.lastWarned < 60_000) return;
        this.lastWarned = Date.now();
        this.logger.warn(`keeping the fleet's snaps fresh failed: ${err.message}`);
      },
    );
  }

  onApplicationShutdown() {
    this.stop?.();
    this.stop = null;
  }
}
