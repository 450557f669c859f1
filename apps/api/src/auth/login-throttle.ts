import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import IORedis, { type Redis } from 'ioredis';
import { APP_CONFIG, Clock, DomainError, type AppConfig } from '@ringcad/core';
import {
  MemoryThrottleStore,
  RedisThrottleStore,
  type BackoffPolicy,
  type ThrottleStore,
} from './throttle-store';

/**
 * One address guessing one account: 5 attempts, then 30 s, 1 min, 2 min … up to 15 min between.
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

  /**
   * Counts this login attempt, or throws 429 while this address, or this address for this username,
   * is locked out. Counted before the password is checked, so parallel guesses cannot race past it.
   */
  async attempt(ip: string, username: string): Promise<void> {
    const now = this.clock.now().getTime();
    const keys = [
      { key: accountKey(ip, username), policy: PER_ACCOUNT },
      { key: addressKey(ip), policy: PER_ADDRESS },
    ];
    const until = await this.store((s) => s.attempt(keys, now));
    if (until > now) {
      const retryAfterSec = Math.ceil((until - now) / 1000);
      throw new DomainError(
        'RATE_LIMITED',
        `too many failed logins; try again in ${retryAfterSec} s`,
        { retryAfterSec },
      );
    }
  }

  /** The right password: the account's count from this address starts again; the address's own count gives the attempt back. */
  async succeeded(ip: string, username: string): Promise<void> {
    await this.store((s) =>
      Promise.all([s.reset(accountKey(ip, username)), s.refund(addressKey(ip))]),
    );
  }

  /** The attempt ended neither right nor wrong (e.g. the database was down): it does not count. */
  async abandoned(ip: string, username: string): Promise<void> {
    await this.store((s) =>
      Promise.all([s.refund(accountKey(ip, username)), s.refund(addressKey(ip))]),
    );
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
    this.logger.warn(
      `Redis unavailable for the login throttle, using this instance's memory: ${reason}`,
    );
  }

  onApplicationShutdown() {
    this.redis?.disconnect();
  }
}

// {ip} is a Redis hash tag: both keys of one attempt land in the same slot should Redis be a cluster
const accountKey = (ip: string, username: string) => `{${ip}}:${username}`;
const addressKey = (ip: string) => `{${ip}}`;
