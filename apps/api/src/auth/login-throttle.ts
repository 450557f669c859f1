import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import IORedis, { type Redis } from 'ioredis';
import { APP_CONFIG, Clock, DomainError, type AppConfig } from '@ringcad/core';
import { MemoryThrottleStore, RedisThrottleStore, type BackoffPolicy, type ThrottleStore } from './throttle-store';

/**
 * One address guessing one account: a few typos are free, then 30 s, 1 min, 2 min … up to 15 min.
 * Keyed by (address, username), so a guesser elsewhere cannot lock the real user out.
 */
export const PER_ACCOUNT: BackoffPolicy = { free: 5, baseMs: 30_000, maxMs: 15 * 60_000 };
/** One address spraying many accounts (a command centre behind one NAT stays well below this). */
export const PER_ADDRESS: BackoffPolicy = { free: 50, baseMs: 30_000, maxMs: 15 * 60_000 };

const WARN_EVERY_MS = 30_000;

/**
 * Slows password guessing with exponential backoff per (client address, username) and per client
 * address, answering 429 RATE_LIMITED with Retry-After while locked. The counters are shared
 * through Redis in services mode (a failure on one api instance counts on all of them) and kept in
 * a bounded in-memory store in embedded mode.
 */
@Injectable()
export class LoginThrottle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(LoginThrottle.name);
  private readonly memory = new MemoryThrottleStore();
  private readonly redis?: Redis;
  private readonly shared?: ThrottleStore;
  private lastWarnMs = 0;

  constructor(
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    if (config.REDIS_URL) {
      // fail fast: a login must not hang on an unreachable Redis (see `store`)
      this.redis = new IORedis(config.REDIS_URL, { maxRetriesPerRequest: 1, commandTimeout: 500 });
      // connection errors surface on the commands that need it; don't log every reconnect attempt
      this.redis.on('error', () => undefined);
      this.shared = new RedisThrottleStore(this.redis, `${config.REDIS_PREFIX}:login-throttle:`);
    }
  }

  /** Lets the connection come up before the first login, but never holds the boot up for long. */
  async onModuleInit() {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise((resolve) => redis.once('ready', resolve)),
      new Promise((resolve) => (timer = setTimeout(resolve, 2000))),
    ]);
    clearTimeout(timer);
  }

  /** Throws 429 while this address, or this address for this username, is locked out. */
  async check(ip: string, username: string): Promise<void> {
    const now = this.clock.now().getTime();
    const until = await this.store((s) => s.lockedUntil([accountKey(ip, username), addressKey(ip)], now));
    const latest = Math.max(0, ...until);
    if (latest > now) {
      const retryAfterSec = Math.ceil((latest - now) / 1000);
      throw new DomainError('RATE_LIMITED', `too many failed logins; try again in ${retryAfterSec} s`, { retryAfterSec });
    }
  }

  async failed(ip: string, username: string): Promise<void> {
    const now = this.clock.now().getTime();
    await this.store((s) =>
      Promise.all([s.fail(accountKey(ip, username), now, PER_ACCOUNT), s.fail(addressKey(ip), now, PER_ADDRESS)]),
    );
  }

  /** The right password clears this address's count for the account (not the address's own). */
  async succeeded(ip: string, username: string): Promise<void> {
    await this.store((s) => s.reset(accountKey(ip, username)));
  }

  /**
   * Redis down: we fail open to the in-memory store rather than answer 500/503. Login is how a
   * dispatcher gets back in during an incident, and it still needs (and checks) the database; a
   * per-instance throttle keeps guessing slow in the meantime, it is only not shared for a while.
   */
  private async store<T>(op: (s: ThrottleStore) => Promise<T>): Promise<T> {
    // while the connection is down, don't make every login wait for a command timeout
    if (this.shared && this.redis?.status === 'ready') {
      try {
        return await op(this.shared);
      } catch (err) {
        this.warn((err as Error).message);
      }
    } else if (this.shared) {
      this.warn(`connection ${this.redis?.status}`);
    }
    return op(this.memory);
  }

  private warn(reason: string) {
    const now = Date.now();
    if (now - this.lastWarnMs < WARN_EVERY_MS) return;
    this.lastWarnMs = now;
    this.logger.warn(`Redis unavailable for the login throttle, using this instance's memory: ${reason}`);
  }

  onApplicationShutdown() {
    this.redis?.disconnect();
  }
}

const accountKey = (ip: string, username: string) => `a:${ip}|${username}`;
const addressKey = (ip: string) => `ip:${ip}`;
