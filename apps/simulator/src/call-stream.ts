import type { ApiClient } from './api-client';
import { generateCall, nextArrivalMs, sampleCallLocation } from './calls';
import type { DemoCity } from './demo-city';
import type { SimLogger } from './logger';
import type { Rng } from './random';
import type { SimStats } from './stats';

export interface CallStreamOptions {
  calltaker: ApiClient;
  city: DemoCity;
  /** Average calls per simulated hour (the daily curve shapes it by hour); 0 = no calls. */
  callsPerHour: number;
  speed: number;
  rng: Rng;
  log: SimLogger;
  stats: SimStats;
}

/** The longest single timer; a quiet stream re-draws afterwards, which Poisson arrivals allow. */
const MAX_WAIT_MS = 3600_000;

/** 110 calls arriving at random from the city's hotspots, entered by the call-taker account. */
export class CallStream {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly work = new Set<Promise<unknown>>();

  constructor(private readonly o: CallStreamOptions) {}

  start(): void {
    this.scheduleNext();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.work]);
  }

  private scheduleNext() {
    if (this.stopped || !(this.o.callsPerHour > 0)) return;
    const now = Date.now();
    // the world runs `speed` times faster, so its hourly rate arrives that much faster in real time
    const at = nextArrivalMs(this.o.rng, now, this.o.callsPerHour * this.o.speed);
    const delay = at - now;
    if (delay > MAX_WAIT_MS) {
      this.timer = setTimeout(() => this.scheduleNext(), MAX_WAIT_MS);
      return;
    }
    this.timer = setTimeout(() => {
      const p = this.createOne().finally(() => this.work.delete(p));
      this.work.add(p);
      this.scheduleNext();
    }, delay);
  }

  private async createOne() {
    const { city, rng, log, stats } = this.o;
    const { hotspot, location } = sampleCallLocation(rng, city);
    const call = generateCall(rng, city, hotspot, location);
    try {
      const r = await this.o.calltaker.request<{ incident: { number: string } }>(
        'POST',
        '/api/v1/incidents',
        call,
      );
      if (r.status !== 201) throw new Error(`HTTP ${r.status}`);
      stats.callsCreated++;
      // caller number and name are personal data: never logged
      log.info(
        `call ${r.body.incident.number}: P${call.priority} ${call.category} near ${hotspot.name}`,
      );
    } catch (err) {
      stats.callErrors++;
      log.warn(`creating a call failed: ${(err as Error).message}`);
    }
  }
}
