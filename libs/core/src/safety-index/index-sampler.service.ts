import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { INDEX_SAMPLES_QUEUE } from '@ringcad/contracts';
import { APP_CONFIG, type AppConfig, Clock, DatabaseService, QueueService } from '../platform';
import { PatrolService } from '../patrol';
import { PerimetersService } from '../perimeters';
import { RoadNetworkService } from '../roads';
import {
  districts,
  perimetersByDistrict,
  saveReadinessSamples,
  saveVisibilitySamples,
  type ReadinessSample,
  type VisibilitySample,
} from './safety-index.queries';

/** A sample slot: the index's 见警率 and perimeter readiness are means of hourly samples. */
export const INDEX_SAMPLE_SLOT_MIN = 60;
const SLOT_MS = INDEX_SAMPLE_SLOT_MIN * 60_000;
/** The one repeatable job of the sampler queue (upserted, so restarts never add a second). */
const SCHEDULER_ID = 'index-samples';

export interface IndexSampleRun {
  visibilitySlot: { from: string; to: string };
  readinessSlot: { from: string; to: string };
  visibility: number;
  readiness: number;
}

const slotOf = (ms: number) => Math.floor(ms / SLOT_MS) * SLOT_MS;
const slotView = (startMs: number) => ({
  from: new Date(startMs).toISOString(),
  to: new Date(startMs + SLOT_MS).toISOString(),
});

/**
 * Keeps the history the 平安指数 needs of two live measures: per district, the 见警率 of the last
 * complete hour (PatrolService.visibility over the tracks: street-km and patrol-point shares) and
 * the readiness of every standing perimeter touching it (PerimetersService.readiness: coverable
 * share per tier), on a BullMQ repeatable job every INDEX_SAMPLE_SEC wherever processors run.
 */
@Injectable()
export class IndexSamplerService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(IndexSamplerService.name);

  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queues: QueueService,
    private readonly roads: RoadNetworkService,
    private readonly patrol: PatrolService,
    private readonly perimeters: PerimetersService,
  ) {}

  onModuleInit() {
    this.queues.handle(INDEX_SAMPLES_QUEUE, async () => {
      await this.sample();
    });
  }

  async onApplicationBootstrap() {
    if (!this.config.runProcessors) return;
    // the index's history is not worth a failed start: said loudly, retried on the next start
    await this.schedule().catch((err: Error) =>
      this.logger.error(`平安指数 sampler not scheduled: ${err.message}`),
    );
  }

  private async schedule() {
    const queue = this.queues.queue(INDEX_SAMPLES_QUEUE);
    if (this.config.INDEX_SAMPLE_SEC <= 0) {
      // switched off: a schedule a previous start left in the queue must not keep sampling
      await queue.removeJobScheduler(SCHEDULER_ID);
      return;
    }
    await queue.upsertJobScheduler(
      SCHEDULER_ID,
      { every: this.config.INDEX_SAMPLE_SEC * 1000 },
      { name: 'sample', data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
  }

  /**
   * One run: 见警率 of the last complete slot (recomputed while it is the latest, so late tracks
   * count) and perimeter readiness now, in the current slot. Idempotent per slot.
   */
  async sample(): Promise<IndexSampleRun> {
    const now = this.clock.now();
    const visibilityStart = slotOf(now.getTime()) - SLOT_MS;
    const readinessStart = slotOf(now.getTime());
    const run: IndexSampleRun = {
      visibilitySlot: slotView(visibilityStart),
      readinessSlot: slotView(readinessStart),
      visibility: 0,
      readiness: 0,
    };
    // both measures are on the road network: nothing to sample before one is loaded
    if (!this.roads.graph) return run;
    const db = this.database.db;
    const list = await districts(db);
    const visibility: VisibilitySample[] = [];
    for (const d of list) {
      const v = await this.patrol
        .visibility({
          jurisdictionId: d.id,
          from: new Date(visibilityStart),
          to: new Date(visibilityStart + SLOT_MS),
          slotMin: INDEX_SAMPLE_SLOT_MIN,
          windowMin: INDEX_SAMPLE_SLOT_MIN,
        })
        .catch((err: Error) => {
          // one district that cannot be computed must not cost the others their sample
          this.logger.warn(`见警率 of district ${d.id} not sampled: ${err.message}`);
          return null;
        });
      const slot = v?.slots[0];
      const streetKm = slot ? slot.byGrid.reduce((km, g) => km + g.streetKm, 0) : 0;
      // a district without streets on the network has nothing to be seen on
      if (!slot || streetKm <= 0) continue;
      visibility.push({
        districtId: d.id,
        streetKm,
        streetKmPct: slot.streetKmPct,
        pointsVisitedPct: slot.pointsVisitedPct,
      });
    }

    const touching = await perimetersByDistrict(db);
    const readiness = new Map<string, Awaited<ReturnType<PerimetersService['readiness']>>>();
    const samples: ReadinessSample[] = [];
    for (const t of touching) {
      let r = readiness.get(t.perimeter_id);
      if (!r) readiness.set(t.perimeter_id, (r = await this.perimeters.readiness(t.perimeter_id)));
      for (const tier of r.tiers)
        samples.push({
          districtId: t.district_id,
          perimeterId: t.perimeter_id,
          tierSec: tier.sec,
          coverablePct: tier.coverablePct,
          targetPct: tier.targetPct,
        });
    }
    // one run's samples land together: a reader never sees one tier of a perimeter without the
    // others (the index's readiness is their mean)
    await this.database.transaction(async (tx) => {
      await saveVisibilitySamples(
        tx,
        { start: new Date(visibilityStart), min: INDEX_SAMPLE_SLOT_MIN },
        now,
        visibility,
      );
      await saveReadinessSamples(tx, new Date(readinessStart), now, samples);
    });
    run.visibility = visibility.length;
    run.readiness = samples.length;
    this.logger.debug(
      `sampled 见警率 of ${visibility.length} districts, ${samples.length} perimeter tiers`,
    );
    return run;
  }
}
