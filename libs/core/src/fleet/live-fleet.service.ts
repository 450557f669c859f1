import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { type AppConfig, dependencyOf, createRedis, whenReady, APP_CONFIG } from '../platform';
import { RoadNetworkService } from '../roads';

export interface LiveFix {
  lon: number;
  lat: number;
  atMs: number;
  speedKmh: number | null;
  headingDeg: number | null;
}

/**
 * Reads of many units (a recommendation ranks the whole fleet) share one whole-fleet copy at most
 * this old; this instance's own updates reach the copy at once. A fleet reporting every few
 * seconds moves a few metres in that time, while 5,000 entries parsed per request would cost the
 * desk milliseconds on every call.
 */
export const RECENT_FLEET_MS = 1000;
/**
 * A copy older than RECENT_FLEET_MS but no older than this is still served at once while it is
 * read again (`recent`): ranks from fixes at most a few seconds old, as a fleet reporting every
 * 5 s has anyway.
 */
export const RECENT_FLEET_SERVE_MS = 3 * RECENT_FLEET_MS;

/**
 * The live position of every unit, updated the moment a report is accepted (before it is
 * persisted): one Redis hash shared by all api instances in services mode, memory in embedded
 * mode. Reads overlay it on the database row, newest wins. While Redis is down reads return
 * nothing (the rows, refreshed every few seconds by the positions service, are the fallback).
 */
@Injectable()
export class LiveFleetService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(LiveFleetService.name);
  private lastWarned = 0;
  private readonly memory = new Map<string, LiveFix>();
  private redis?: Redis;
  private readonly key: string;
  private snapshot: { fixes: Map<string, LiveFix>; atMs: number } | null = null;
  private refreshing: Promise<Map<string, LiveFix>> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly roads: RoadNetworkService,
  ) {
    this.key = `${config.REDIS_PREFIX}:live-fleet`;
    if (config.REDIS_URL) this.redis = createRedis(config.REDIS_URL, 'request', 'live-fleet');
  }

  async onModuleInit() {
    if (this.redis) await whenReady(this.redis);
  }

  async update(fixes: Map<string, LiveFix>): Promise<void> {
    if (!fixes.size) return;
    // snapped to the roads as they arrive, beside the event loop (ranking finds them snapped)
    this.roads.snapAhead(fixes);
    if (!this.redis) {
      for (const [id, f] of fixes) {
        const cur = this.memory.get(id);
        if (!cur || cur.atMs <= f.atMs) this.memory.set(id, f);
      }
      return;
    }
    const args: string[] = [];
    const snap = this.snapshot?.fixes;
    // copied into the copy's own fixes (a read updates those in place; the report's objects
    // are the persisting queue's)
    if (snap)
      for (const [id, f] of fixes) {
        const cur = snap.get(id);
        if (!cur) snap.set(id, { ...f });
        else if (cur.atMs <= f.atMs) Object.assign(cur, f);
      }
    for (const [id, f] of fixes)
      args.push(id, `${f.lon},${f.lat},${f.atMs},${f.speedKmh ?? ''},${f.headingDeg ?? ''}`);
    await this.redis.hset(this.key, ...args);
  }

  async get(ids?: readonly string[]): Promise<Map<string, LiveFix>> {
    try {
      return await this.read(ids);
    } catch (err) {
      if (dependencyOf(err) !== 'redis') throw err;
      if (Date.now() - this.lastWarned > 10_000) {
        this.lastWarned = Date.now();
        this.logger.warn(
          `live positions unavailable, serving the stored ones: ${(err as Error).message}`,
        );
      }
      return new Map();
    }
  }

  /**
   * Like get, but a whole-fleet read is served from a copy (one HGETALL a second however many
   * recommendations ask). For ranking and display, not for checks that need the newest fix (jump
   * detection reads get()). A copy up to RECENT_FLEET_MS old is served as it is; one up to
   * RECENT_FLEET_SERVE_MS old is served at once while a new read is made for the asks after it
   * (a desk's keeper reads every second, so at the peak no recommendation waits for the
   * whole fleet's read behind a 110 call); an older one, or none, is waited for.
   */
  async recent(): Promise<ReadonlyMap<string, LiveFix>> {
    if (!this.redis) return this.memory;
    const snap = this.snapshot;
    const age = snap ? performance.now() - snap.atMs : Infinity;
    if (snap && age <= RECENT_FLEET_MS) return snap.fixes;
    const read = this.readRecent();
    if (!snap || age > RECENT_FLEET_SERVE_MS) return read;
    // a failure shows to the next ask that waits (or the keeper)
    read.catch(() => undefined);
    return snap.fixes;
  }

  /**
   * Reads the whole live fleet into the copy `recent` serves (one read at a time: asks meanwhile
   * share it), sending the moves to be snapped ahead. A Redis failure empties the copy.
   */
  readRecent(): Promise<ReadonlyMap<string, LiveFix>> {
    const redis = this.redis;
    if (!redis) {
      // one instance: the memory is the live fleet, and its reports were snapped as they came
      this.roads.snapAhead(this.memory);
      return Promise.resolve(this.memory);
    }
    this.refreshing ??= (async () => {
      const startedAt = performance.now();
      try {
        const all = await redis.hgetall(this.key);
        const fixes = this.snapshot?.fixes ?? new Map<string, LiveFix>();
        // the copy is updated in place: a new map of 5,000 new fixes every second would outlive
        // two scavenges and be promoted, for the old generation to collect again and again
        for (const id in all) {
          const cur = fixes.get(id);
          if (!cur) fixes.set(id, parseFix(all[id]));
          // updates applied meanwhile by this instance are newer than the read: they stay
          else parseFixInto(cur, all[id]);
        }
        for (const id of fixes.keys()) if (!Object.hasOwn(all, id)) fixes.delete(id);
        // other instances' reports, as this one learns of them
        this.roads.snapAhead(fixes);
        this.snapshot = { fixes, atMs: startedAt };
        return fixes;
      } catch (err) {
        if (dependencyOf(err) !== 'redis') throw err;
        this.snapshot = null;
        return new Map<string, LiveFix>();
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  private async read(ids?: readonly string[]): Promise<Map<string, LiveFix>> {
    if (!this.redis) {
      if (!ids) return new Map(this.memory);
      const out = new Map<string, LiveFix>();
      for (const id of ids) {
        const f = this.memory.get(id);
        if (f) out.set(id, f);
      }
      return out;
    }
    const out = new Map<string, LiveFix>();
    if (ids) {
      if (!ids.length) return out;
      const values = await this.redis.hmget(this.key, ...ids);
      ids.forEach((id, i) => {
        const v = values[i];
        if (v) out.set(id, parseFix(v));
      });
    } else {
      const all = await this.redis.hgetall(this.key);
      for (const [id, v] of Object.entries(all)) out.set(id, parseFix(v));
    }
    return out;
  }

  onApplicationShutdown() {
    this.redis?.disconnect();
  }
}

/** Sets `f` to the fix `v` when that is no older than it (fields written, no new object). */
function parseFixInto(f: LiveFix, v: string): void {
  const [lon, lat, at, sp, h] = v.split(',');
  const atMs = Number(at);
  if (atMs < f.atMs) return;
  f.lon = Number(lon);
  f.lat = Number(lat);
  f.atMs = atMs;
  f.speedKmh = sp ? Number(sp) : null;
  f.headingDeg = h ? Number(h) : null;
}

/** The fix `v` as a new object. */
function parseFix(v: string): LiveFix {
  const f: LiveFix = { lon: NaN, lat: NaN, atMs: -Infinity, speedKmh: null, headingDeg: null };
  parseFixInto(f, v);
  return f;
}

/** Replaces a row's position with the live fix when that is newer. */
export function overlayLive<
  T extends { id: string; lon: number | null; lat: number | null; position_at: Date | null },
>(rows: T[], live: ReadonlyMap<string, LiveFix>): T[] {
  for (const r of rows) {
    const f = live.get(r.id);
    if (f && (!r.position_at || new Date(r.position_at).getTime() < f.atMs)) {
      r.lon = f.lon;
      r.lat = f.lat;
      r.position_at = new Date(f.atMs);
    }
  }
  return rows;
}
