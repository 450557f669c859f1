import type { Redis } from 'ioredis';

/** How failures on one key turn into a lockout. */
export interface BackoffPolicy {
  /** Failures allowed before the first lockout. */
  free: number;
  /** First lockout; each further failure doubles it. */
  baseMs: number;
  /** Longest lockout. */
  maxMs: number;
}

/** A key's failures are forgotten this long after its last failure (also the longest lockout + slack). */
export const FORGET_AFTER_MS = 30 * 60_000;

/** Lockout after the `failures`-th failure (0 while still within the free ones). */
export function lockoutMs(failures: number, p: BackoffPolicy): number {
  if (failures < p.free) return 0;
  return Math.min(p.maxMs, p.baseMs * 2 ** Math.min(failures - p.free, 40));
}

export interface ThrottleStore {
  /** Epoch ms (the app clock) until which each key is locked; 0 when it is not. */
  lockedUntil(keys: string[], nowMs: number): Promise<number[]>;
  /** Counts one failure on the key; returns the lock it now has (epoch ms, 0 for none). */
  fail(key: string, nowMs: number, policy: BackoffPolicy): Promise<number>;
  reset(key: string): Promise<void>;
}

interface Entry {
  failures: number;
  lockedUntil: number;
  expiresAt: number;
}

/**
 * Embedded mode (and the fallback when Redis is unreachable): a Map kept in last-touched order, so
 * the oldest entry is always first. It never holds more than `maxEntries`: inserting past the
 * bound evicts the least recently touched key, and expired ones are swept from the front as new
 * ones arrive. Under a flood of made-up usernames the per-IP key of the flooding address is
 * touched on every failure, so it stays while the junk keys evict each other.
 */
export class MemoryThrottleStore implements ThrottleStore {
  private readonly entries = new Map<string, Entry>();
  constructor(readonly maxEntries = 10_000) {}

  get size() {
    return this.entries.size;
  }

  lockedUntil(keys: string[], nowMs: number): Promise<number[]> {
    return Promise.resolve(
      keys.map((k) => {
        const until = this.live(k, nowMs)?.lockedUntil ?? 0;
        return until > nowMs ? until : 0;
      }),
    );
  }

  fail(key: string, nowMs: number, policy: BackoffPolicy): Promise<number> {
    const prev = this.live(key, nowMs);
    const failures = (prev?.failures ?? 0) + 1;
    const lock = lockoutMs(failures, policy);
    const entry = { failures, lockedUntil: lock ? nowMs + lock : 0, expiresAt: nowMs + FORGET_AFTER_MS };
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.sweep(nowMs);
    return Promise.resolve(entry.lockedUntil);
  }

  reset(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }

  private live(key: string, nowMs: number): Entry | undefined {
    const e = this.entries.get(key);
    if (e && e.expiresAt <= nowMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  private sweep(nowMs: number) {
    for (const [k, e] of this.entries) {
      if (this.entries.size > this.maxEntries || e.expiresAt <= nowMs) this.entries.delete(k);
      else break;
    }
  }
}

// One round trip, atomic across api instances: count, compute the backoff, refresh the expiry.
const FAIL_SCRIPT = `
local f = redis.call('HINCRBY', KEYS[1], 'f', 1)
local free = tonumber(ARGV[1])
local lockUntil = 0
if f >= free then
  local lock = math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * 2 ^ math.min(f - free, 40))
  lockUntil = math.floor(tonumber(ARGV[4]) + lock)
  redis.call('HSET', KEYS[1], 'u', string.format('%d', lockUntil))
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return lockUntil
`;

/** Services mode: the counters live in Redis, so every api instance sees every failure. */
export class RedisThrottleStore implements ThrottleStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async lockedUntil(keys: string[], nowMs: number): Promise<number[]> {
    const pipeline = this.redis.pipeline();
    for (const k of keys) pipeline.hget(this.prefix + k, 'u');
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, v]) => {
      if (err) throw err;
      const until = Number(v ?? 0);
      return until > nowMs ? until : 0;
    });
  }

  async fail(key: string, nowMs: number, policy: BackoffPolicy): Promise<number> {
    const r = await this.redis.eval(
      FAIL_SCRIPT,
      1,
      this.prefix + key,
      policy.free,
      policy.baseMs,
      policy.maxMs,
      nowMs,
      FORGET_AFTER_MS,
    );
    return Number(r);
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}
