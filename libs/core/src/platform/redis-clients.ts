import { Logger } from '@nestjs/common';
import IORedis, { type Redis, type RedisOptions } from 'ioredis';
import { DEPENDENCY_DEADLINE_MS } from './dependency-errors';

/**
 * What a Redis client is for decides how it behaves while Redis is down:
 * - `request`: answers a request (live positions, queue adds): fails at once while disconnected
 *   and within DEPENDENCY_DEADLINE_MS otherwise, so the request gets a 503 (or falls back);
 * - `blocking`: BullMQ workers' connections, which must wait and retry forever
 *   (BullMQ requires `maxRetriesPerRequest: null` there);
 * - `pubsub`: the socket.io adapter/emitter; a broadcast that cannot be sent is dropped (consoles
 *   resynchronise on reconnect) rather than queued for the length of the outage.
 */
export type RedisRole = 'request' | 'blocking' | 'pubsub';

const OPTIONS: Record<RedisRole, RedisOptions> = {
  request: {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    commandTimeout: DEPENDENCY_DEADLINE_MS,
  },
  blocking: { maxRetriesPerRequest: null },
  pubsub: { maxRetriesPerRequest: 1 },
};

// a down Redis makes every client report every reconnect attempt; one line per client per interval
const ERROR_LOG_INTERVAL_MS = 10_000;

/** Creates an ioredis client whose errors are logged (never unhandled) and whose retries fit its role. */
export function createRedis(url: string, role: RedisRole, name: string): Redis {
  const client = watch(new IORedis(url, { ...OPTIONS[role], connectionName: name }), name);
  if (role === 'pubsub') observeFireAndForget(client, name);
  return client;
}

/**
 * The socket.io Redis adapter and emitter call `publish`/`subscribe` without awaiting them; during
 * an outage each of those promises rejects, and an unhandled rejection would end the process.
 * Each one is observed here: the failure is counted in the client's log, the broadcast is dropped
 * (consoles resynchronise on reconnect) and ioredis resubscribes by itself once Redis is back.
 */
function observeFireAndForget(client: Redis, name: string) {
  const logger = new Logger(`redis:${name}`);
  let dropped = 0;
  let lastLogged = 0;
  const commands = ['publish', 'subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe'] as const;
  const target = client as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const command of commands) {
    const original = target[command].bind(client);
    target[command] = (...args: unknown[]) => {
      const result = original(...args);
      if (result instanceof Promise) {
        result.catch((err: Error) => {
          dropped++;
          if (Date.now() - lastLogged < ERROR_LOG_INTERVAL_MS) return;
          lastLogged = Date.now();
          logger.warn(`${dropped} ${command}(es) failed so far: ${err.message}`);
        });
      }
      return result;
    };
  }
}

/** Attaches the error/reconnect logging to a client (also to `duplicate()`s, which copy no listeners). */
export function watch(client: Redis, name: string): Redis {
  const logger = new Logger(`redis:${name}`);
  let lastLogged = 0;
  let down = false;
  client.on('error', (err: Error) => {
    const now = Date.now();
    if (now - lastLogged < ERROR_LOG_INTERVAL_MS) return;
    lastLogged = now;
    logger.warn(`Redis unavailable: ${err.message}`);
  });
  client.on('close', () => {
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.log('Redis connection restored');
    down = false;
  });
  return client;
}

/** Resolves once the client is connected (start-up: a request client queues nothing before that). */
export function whenReady(client: Redis, timeoutMs = 10_000): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}
