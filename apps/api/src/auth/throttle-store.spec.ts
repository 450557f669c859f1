import IORedis from 'ioredis';
import { SystemClock, loadConfig } from '@ringcad/core';
import { LoginThrottle, PER_ACCOUNT, PER_ADDRESS } from './login-throttle';
import {
  FORGET_AFTER_MS,
  MemoryThrottleStore,
  lockoutMs,
  type ThrottledKey,
} from './throttle-store';
import { throttleAddress } from './client-ip';

const one = (key: string): ThrottledKey[] => [{ key, policy: PER_ACCOUNT }];

describe('login throttle store (memory)', () => {
  it('keeps at most its bound of entries, whatever number of distinct keys arrives', async () => {
    const store = new MemoryThrottleStore(10_000);
    const now = Date.UTC(2026, 0, 1);
    let largest = 0;
    for (let i = 0; i < 100_000; i++) {
      await store.attempt(
        one(`{10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}}:user${i}`),
        now + i,
      );
      largest = Math.max(largest, store.size);
    }
    expect(largest).toBe(10_000);
    expect(store.size).toBe(10_000);
  });

  it('evicts the least recently touched key first, so a busy attacker address stays locked', async () => {
    const store = new MemoryThrottleStore(100);
    const now = Date.UTC(2026, 0, 1);
    const address = { key: '{6.6.6.6}', policy: PER_ADDRESS };
    for (let i = 0; i < PER_ADDRESS.free; i++) {
      for (let j = 0; j < 20; j++) await store.attempt(one(`{7.7.7.7}:junk${i}-${j}`), now);
      expect(
        await store.attempt([{ key: `{6.6.6.6}:junk${i}`, policy: PER_ACCOUNT }, address], now),
      ).toBe(0);
    }
    expect(store.size).toBeLessThanOrEqual(100);
    expect(await store.attempt([address], now + 1)).toBe(now + PER_ADDRESS.baseMs);
  });

  it('locks after the free attempts with exponential backoff up to the cap, counting nothing while locked', async () => {
    const store = new MemoryThrottleStore();
    let t = Date.UTC(2026, 0, 1);
    for (let i = 0; i < PER_ACCOUNT.free; i++) expect(await store.attempt(one('k'), t)).toBe(0);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const until = await store.attempt(one('k'), t);
      expect(await store.attempt(one('k'), t + 1)).toBe(until); // refused attempts do not count
      waits.push(until - t);
      t = until;
      expect(await store.attempt(one('k'), t)).toBe(0); // the first attempt after the lock is let through
    }
    expect(waits).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000]);
    expect(lockoutMs(1000, PER_ACCOUNT)).toBe(PER_ACCOUNT.maxMs);
    // forgotten FORGET_AFTER_MS after the last attempt
    expect(await store.attempt(one('k'), t + FORGET_AFTER_MS)).toBe(0);
    expect(store.size).toBe(1);
  });

  it('takes back a refunded attempt with the lock it caused', async () => {
    const store = new MemoryThrottleStore();
    const t = Date.UTC(2026, 0, 1);
    for (let i = 0; i < PER_ACCOUNT.free; i++) await store.attempt(one('k'), t);
    expect(await store.attempt(one('k'), t)).toBe(t + PER_ACCOUNT.baseMs);
    await store.refund('k');
    expect(await store.attempt(one('k'), t)).toBe(0);
    await store.reset('k');
    expect(store.size).toBe(0);
  });
});

describe('client address for the throttle', () => {
  it('unmaps IPv4-mapped IPv6 and groups IPv6 by /64', () => {
    expect(throttleAddress('::ffff:127.0.0.2')).toBe('127.0.0.2');
    expect(throttleAddress('10.1.2.3')).toBe('10.1.2.3');
    expect(throttleAddress('2001:db8:0:1:aaaa::1')).toBe('2001:db8:0:1::/64');
    expect(throttleAddress('2001:db8:0:1:bbbb:cccc:dddd:eeee')).toBe('2001:db8:0:1::/64');
    expect(throttleAddress('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(throttleAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});

/** `n` wrong passwords from `ip` for `username`, as the login route counts them. */
async function fail(throttle: LoginThrottle, ip: string, username: string, n: number) {
  for (let i = 0; i < n; i++) await throttle.attempt(ip, username);
}

describe('login throttle (embedded)', () => {
  it('lets parallel guesses through only up to the limit', async () => {
    const throttle = new LoginThrottle(new SystemClock(), loadConfig({}));
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, () => throttle.attempt('192.0.2.5', 'alice')),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(PER_ACCOUNT.free);
  });

  it('also locks out one address spraying many usernames, and only that address', async () => {
    const throttle = new LoginThrottle(new SystemClock(), loadConfig({}));
    for (let i = 0; i < PER_ADDRESS.free; i++) await fail(throttle, '192.0.2.7', `user${i}`, 1);
    const err = await throttle.attempt('192.0.2.7', 'somebody-new').catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retryAfterSec: PER_ADDRESS.baseMs / 1000 },
    });
    await expect(throttle.attempt('192.0.2.8', 'somebody-new')).resolves.toBeUndefined();
  });

  it('does not count successful logins against the address', async () => {
    const throttle = new LoginThrottle(new SystemClock(), loadConfig({}));
    for (let i = 0; i < 3 * PER_ADDRESS.free; i++) {
      await throttle.attempt('192.0.2.9', `user${i % 7}`);
      await throttle.succeeded('192.0.2.9', `user${i % 7}`);
    }
    await expect(throttle.attempt('192.0.2.9', 'user1')).resolves.toBeUndefined();
  });
});

describe('login throttle with Redis unreachable', () => {
  it('fails open to the in-memory store: no exception, and it still throttles on this instance', async () => {
    // a real client to a port nothing listens on (the configured Redis being down)
    const config = loadConfig({
      DATABASE_URL: 'postgres://x@127.0.0.1:1/x',
      REDIS_URL: 'redis://127.0.0.1:1',
      ADMIN_PASSWORD: 'unused-here',
    });
    const throttle = new LoginThrottle(new SystemClock(), config);
    try {
      const started = Date.now();
      await fail(throttle, '192.0.2.1', 'alice', PER_ACCOUNT.free);
      await expect(throttle.attempt('192.0.2.1', 'alice')).rejects.toMatchObject({
        code: 'RATE_LIMITED',
      });
      await expect(throttle.attempt('192.0.2.9', 'alice')).resolves.toBeUndefined();
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      throttle.onApplicationShutdown();
    }
  });

  it('shares the counters through a live Redis', async () => {
    if (!process.env.REDIS_URL) return;
    const prefix = `ringcad_throttle_spec_${process.pid}`;
    const config = loadConfig({
      DATABASE_URL: 'postgres://x@127.0.0.1:1/x',
      REDIS_URL: process.env.REDIS_URL,
      REDIS_PREFIX: prefix,
      ADMIN_PASSWORD: 'unused-here',
    });
    const a = new LoginThrottle(new SystemClock(), config);
    const b = new LoginThrottle(new SystemClock(), config);
    const redis = new IORedis(process.env.REDIS_URL);
    await Promise.all([a.onModuleInit(), b.onModuleInit()]);
    try {
      await fail(a, '192.0.2.1', 'bob', PER_ACCOUNT.free);
      const err = await b.attempt('192.0.2.1', 'bob').catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSec: 30 } });
      const ttl = await redis.pttl(`${prefix}:login-throttle:{192.0.2.1}:bob`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(FORGET_AFTER_MS);
      // parallel guesses on two instances: the limit holds across both
      const results = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).attempt('192.0.2.2', 'carol')),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(PER_ACCOUNT.free);
      // a refunded attempt takes its lock back
      await a.abandoned('192.0.2.2', 'carol');
      await expect(b.attempt('192.0.2.2', 'carol')).resolves.toBeUndefined();
      await a.succeeded('192.0.2.2', 'carol');
      expect(await redis.exists(`${prefix}:login-throttle:{192.0.2.2}:carol`)).toBe(0);
    } finally {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      a.onApplicationShutdown();
      b.onApplicationShutdown();
    }
  });
});
