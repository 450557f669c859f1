import type { Redis } from 'ioredis';

/** How attempts on one key turn into a lockout. */
export interface BackoffPolicy {
  /** Attempts allowed before the first lockout. */
  free: number;
  /** First lockout; each further attempt doubles it. */
  baseMs: number;
  /** Longest lockout. */
  maxMs: number;
}

/** A key's count is forgotten this long after its last attempt (the longest lockout and then some). */
export const FORGET_AFTER_MS = 30 * 60_000;

/** Lockout after the `count`-th counted attempt (0 while still within the free ones). */
export function lockoutMs(count: number, p: BackoffPolicy): number {
  if (count < p.free) return 0;
  return Math.min(p.maxMs, p.baseMs * 2 ** Math.min(count - p.free, 40));
}

export interface ThrottledKey {
  key: string;
  policy: BackoffPolicy;
}

/**
 * Counts login attempts before the password is checked, so a burst of parallel guesses cannot all
 * get past the check before the first failure is recorded. The lock of a key is derived from its
 * count and its last attempt (last + lockoutMs(count)), so taking an attempt back (`refund`) also
 * takes back the lock it caused.
 */
export interface ThrottleStore {
  /**
   * Atomically: when any key is locked, the latest lock end (epoch ms, app clock) and nothing is
   * counted; otherwise one attempt is counted on every key and the answer is 0.
   */
  attempt(keys: ThrottledKey[], nowMs: number): Promise<number>;
  /** Takes back one counted attempt (the login succeeded, or failed for another reason). */
  refund(key: string): Promise<void>;
  reset(key: string): Promise<void>;
}

interface Entry {
  count: number;
  lastMs: number;
  expiresAt: number;
}

/**
 * Embedded mode (and the fallback when Redis is unreachable): a Map kept in last-touched order, so
 * the oldest entry is always first. It never holds more than `maxEntries`: inserting past the
 * bound evicts the least recently touched key, and expired ones are swept from the front as new
 * ones arrive. Under a flood of made-up usernames the per-address key of the flooding address is
 * touched on every attempt, so it stays while the junk keys evict each other.
 */
export class MemoryThrottleStore implements ThrottleStore {
  private readonly entries = new Map<string, Entry>();
  constructor(readonly maxEntries = 10_000) {}

  get size() {
    return this.entries.size;
  }

  attempt(keys: ThrottledKey[], nowMs: number): Promise<number> {
    let until = 0;
    for (const { key, policy } of keys) {
      const e = this.live(key, nowMs);
      const end = e ? e.lastMs + lockoutMs(e.count, policy) : 0;
      if (e && end > nowMs) until = Math.max(until, end);
    }
    if (until) return Promise.resolve(until);
    for (const { key } of keys) {
      const count = (this.live(key, nowMs)?.count ?? 0) + 1;
      this.entries.delete(key);
      this.entries.set(key, { count, lastMs: nowMs, expiresAt: nowMs + FORGET_AFTER_MS });
    }
    this.sweep(nowMs);
    return Promise.resolve(0);
  }

  refund(key: string): Promise<void> {
    const e = this.entries.get(key);
    if (e && --e.count <= 0) this.entries.delete(key);
    return Promise.resolve();
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

// The same rules as MemoryThrottleStore.attempt, in one atomic step shared by every api instance.
// ARGV: now, forget-after, then free, base, max per key.
const ATTEMPT_SCRIPT = `
local now = tonumber(ARGV[1])
local untilMs = 0
for i, k in ipairs(KEYS) do
  local v = redis.call('HMGET', k, 'c', 'l')
  local c = tonumber(v[1]) or 0
  local free = tonumber(ARGV[3 * i])
  if c >= free then
    local lock = math.min(tonumber(ARGV[3 * i + 2]), tonumber(ARGV[3 * i + 1]) * 2 ^ math.min(c - free, 40))
    local e = (tonumber(v[2]) or 0) + lock
    if e > now and e > untilMs then untilMs = e end
  end
end
if untilMs > 0 then return untilMs end
for _, k in ipairs(KEYS) do
  redis.call('HINCRBY', k, 'c', 1)
  redis.call('HSET', k, 'l', ARGV[1])
  redis.call('PEXPIRE', k, ARGV[2])
end
return 0
`;

const REFUND_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HINCRBY', KEYS[1], 'c', -1) <= 0 then
  redis.call('DEL', KEYS[1])
end
return 0
`;

/** Services mode: the counters live in Redis, so every api instance sees every attempt. */
export class RedisThrottleStore implements ThrottleStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async attempt(keys: ThrottledKey[], nowMs: number): Promise<number> {
    const args: (string | number)[] = [Math.floor(nowMs), FORGET_AFTER_MS];
    for (const { policy } of keys) args.push(policy.free, policy.baseMs, policy.maxMs);
    const r = await this.redis.eval(
      ATTEMPT_SCRIPT,
      keys.length,
      ...keys.map((k) => this.prefix + k.key),
      ...args,
    );
    return Number(r);
  }

  async refund(key: string): Promise<void> {
    await this.redis.eval(REFUND_SCRIPT, 1, this.prefix + key);
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}
