import IORedis from 'ioredis';
import { SystemClock, loadConfig } from '@ringcad/core';
import { LoginThrottle, PER_ACCOUNT, PER_ADDRESS } from './login-throttle';
import { FORGET_AFTER_MS, MemoryThrottleStore, lockoutMs } from './throttle-store';
import { throttleAddress } from './client-ip';

describe('login throttle store (memory)', () => {
  it('keeps at most its bound of entries, whatever number of distinct keys arrives', async () => {
    const store = new MemoryThrottleStore(10_000);
    const now = Date.UTC(2026, 0, 1);
    let largest = 0;
    for (let i = 0; i < 100_000; i++) {
      await store.fail(`a:10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}|user${i}`, now + i, PER_ACCOUNT);
      largest = Math.max(largest, store.size);
    }
    expect(largest).toBe(10_000);
    expect(store.size).toBe(10_000);
  });

  it('evicts the least recently failed key first, so a busy attacker address stays locked', async () => {
    const store = new MemoryThrottleStore(100);
    const now = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 1000; i++) {
      await store.fail(`a:6.6.6.6|junk${i}`, now, PER_ACCOUNT);
      await store.fail('ip:6.6.6.6', now, PER_ADDRESS);
    }
    const [until] = await store.lockedUntil(['ip:6.6.6.6'], now);
    expect(until).toBe(now + PER_ADDRESS.maxMs);
    expect(store.size).toBeLessThanOrEqual(100);
  });

  it('backs off exponentially after the free failures, up to the cap, and forgets idle keys', async () => {
    const store = new MemoryThrottleStore();
    const t0 = Date.UTC(2026, 0, 1);
    const locks: number[] = [];
    for (let i = 1; i <= 12; i++) locks.push((await store.fail('k', t0, PER_ACCOUNT)) - (i >= PER_ACCOUNT.free ? t0 : 0));
    expect(locks.slice(0, PER_ACCOUNT.free - 1)).toEqual([0, 0, 0, 0]);
    expect(locks.slice(PER_ACCOUNT.free - 1, PER_ACCOUNT.free + 3)).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(locks[11]).toBe(PER_ACCOUNT.maxMs);
    expect(lockoutMs(1000, PER_ACCOUNT)).toBe(PER_ACCOUNT.maxMs);
    expect(await store.lockedUntil(['k', 'other'], t0 + 1)).toEqual([t0 + PER_ACCOUNT.maxMs, 0]);
    expect(await store.lockedUntil(['k'], t0 + PER_ACCOUNT.maxMs)).toEqual([0]);
    // after FORGET_AFTER_MS without failures the count starts again
    expect(await store.fail('k', t0 + FORGET_AFTER_MS, PER_ACCOUNT)).toBe(0);
    expect(store.size).toBe(1);
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

describe('login throttle (embedded)', () => {
  it('also locks out one address spraying many usernames, and only that address', async () => {
    const throttle = new LoginThrottle(new SystemClock(), loadConfig({}));
    for (let i = 0; i < PER_ADDRESS.free; i++) {
      await throttle.check('192.0.2.7', `user${i}`);
      await throttle.failed('192.0.2.7', `user${i}`);
    }
    const err = await throttle.check('192.0.2.7', 'somebody-new').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSec: PER_ADDRESS.baseMs / 1000 } });
    await expect(throttle.check('192.0.2.8', 'somebody-new')).resolves.toBeUndefined();
    // a success does not clear the address's own count
    await throttle.succeeded('192.0.2.7', 'user0');
    await expect(throttle.check('192.0.2.7', 'user0')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });
});

describe('login throttle with Redis unreachable', () => {
  it('fails open to the in-memory store: no exception, and it still throttles on this instance', async () => {
    // a real client to a port nothing listens on (the configured Redis being down)
    const config = loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1:1/x', REDIS_URL: 'redis://127.0.0.1:1', ADMIN_PASSWORD: 'unused-here' });
    const throttle = new LoginThrottle(new SystemClock(), config);
    try {
      const started = Date.now();
      for (let i = 0; i < PER_ACCOUNT.free; i++) {
        await throttle.check('192.0.2.1', 'alice');
        await throttle.failed('192.0.2.1', 'alice');
      }
      await expect(throttle.check('192.0.2.1', 'alice')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      await expect(throttle.check('192.0.2.9', 'alice')).resolves.toBeUndefined();
      // each Redis attempt gives up within its command timeout
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      throttle.onApplicationShutdown();
    }
  });

  it('shares the counters through a live Redis', async () => {
    if (!process.env.REDIS_URL) return;
    const prefix = `ringcad_throttle_spec_${process.pid}`;
    const config = loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1:1/x', REDIS_URL: process.env.REDIS_URL, REDIS_PREFIX: prefix, ADMIN_PASSWORD: 'unused-here' });
    const a = new LoginThrottle(new SystemClock(), config);
    const b = new LoginThrottle(new SystemClock(), config);
    const redis = new IORedis(process.env.REDIS_URL);
    await Promise.all([a.onModuleInit(), b.onModuleInit()]);
    try {
      for (let i = 0; i < PER_ACCOUNT.free; i++) await a.failed('192.0.2.1', 'bob');
      const err = await b.check('192.0.2.1', 'bob').catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSec: 30 } });
      const ttl = await redis.pttl(`${prefix}:login-throttle:a:192.0.2.1|bob`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(FORGET_AFTER_MS);
    } finally {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      a.onApplicationShutdown();
      b.onApplicationShutdown();
    }
  });
});
