import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { io, type Socket } from 'socket.io-client';
import { AuthService, loadConfig, type AppConfig, type Clock } from '@ringcad/core';
import { createApiApp } from '../../apps/api/src/app';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { createFromServicesTemplate, seedEmbeddedDataDir } from './db-template';

/** Services mode when the environment names PostgreSQL and Redis (CI runs both modes). */
export const SERVICES_MODE = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);
export const ADMIN_PASSWORD = 'admin-test-password';

/**
 * `describe` in services mode, `describe.skip` embedded (saying once, with `why`, what is
 * skipped): for what only a shared PostgreSQL and Redis can show (several processes).
 */
export function describeInServices(what: string, why: string): jest.Describe {
  if (!SERVICES_MODE) console.info(`${what} runs in services mode only (${why})`);
  return SERVICES_MODE ? describe : describe.skip;
}

export interface Stack {
  config: AppConfig;
  /** Start (or restart) api instance `i`; the first is instance 0. */
  startApi(i?: number): Promise<Api>;
  stopApi(i?: number): Promise<void>;
  /** Services mode only: a separate worker process-equivalent running the processors. */
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  api(i?: number): Api;
  close(): Promise<void>;
}

export interface Api {
  app: INestApplication;
  url: string;
}

/**
 * A private RingCAD for one test file: its own database (a fresh PGlite directory, or a fresh
 * PostgreSQL database) and its own Redis key prefix, so test files never see each other.
 */
export async function createStack(
  env: Record<string, string> = {},
  options: { clock?: Clock; logger?: LoggerService } = {},
): Promise<Stack> {
  const tag = `t${process.pid}_${randomBytes(3).toString('hex')}`;
  let dataDir: string | undefined;
  let dropDb: (() => Promise<void>) | undefined;
  const base: Record<string, string> = { ADMIN_PASSWORD, PORT: '0', HOST: '127.0.0.1', ...env };
  if (SERVICES_MODE) {
    const url = new URL(process.env.DATABASE_URL as string);
    const dbName = `ringcad_${tag}`;
    if (!(await createFromServicesTemplate(url.toString(), dbName))) {
      const admin = new Client({ connectionString: url.toString() });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${dbName}`);
      await admin.end();
    }
    const testUrl = new URL(url.toString());
    testUrl.pathname = `/${dbName}`;
    base.DATABASE_URL = testUrl.toString();
    base.REDIS_URL = process.env.REDIS_URL as string;
    base.REDIS_PREFIX = `ringcad_${tag}`;
    base.RUN_PROCESSORS = '0';
    dropDb = async () => {
      const c = new Client({ connectionString: url.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await c.end();
    };
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'ringcad-test-'));
    seedEmbeddedDataDir(dataDir);
    base.DATA_DIR = dataDir;
  }
  const config = loadConfig({ ...base });
  const apis = new Map<number, Api>();
  let worker: INestApplication | { close(): Promise<void> } | undefined;

  const stack: Stack = {
    config,
    async startApi(i = 0) {
      if (apis.has(i)) throw new Error(`api ${i} already running`);
      if (!SERVICES_MODE && apis.size > 0)
        throw new Error('embedded mode runs one api process per data directory');
      const app = await createApiApp(config, {
        logger: options.logger ?? (process.env.TEST_LOG ? undefined : false),
        clock: options.clock,
      });
      await app.get(AuthService).ensureAdmin(ADMIN_PASSWORD, true);
      await app.listen(0, '127.0.0.1');
      const address = app.getHttpServer().address() as { port: number };
      const api = { app, url: `http://127.0.0.1:${address.port}` };
      apis.set(i, api);
      return api;
    },
    async stopApi(i = 0) {
      const api = apis.get(i);
      apis.delete(i);
      await api?.app.close();
    },
    async startWorker() {
      if (!SERVICES_MODE) throw new Error('the worker is a services-mode process');
      worker = await NestFactory.createApplicationContext(
        WorkerModule.forRoot({ config, clock: options.clock }),
        { logger: false },
      );
      await (worker as INestApplication).init();
    },
    async stopWorker() {
      await worker?.close();
      worker = undefined;
    },
    api(i = 0) {
      const api = apis.get(i);
      if (!api) throw new Error(`api ${i} is not running`);
      return api;
    },
    async close() {
      for (const i of [...apis.keys()]) await stack.stopApi(i);
      await stack.stopWorker();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      await dropDb?.();
    },
  };
  return stack;
}

export interface HttpResult<T = any> {
  status: number;
  body: T;
}

/** A tiny HTTP client speaking the public contract. */
export function client(baseUrl: string, token?: string) {
  const call = async <T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const send = () =>
      fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
    let res: Response;
    try {
      res = await send();
    } catch (err) {
      // a kept-alive socket the api closed while this process was busy with a long setup (the
      // embedded api and its database run in it): an idempotent GET is sent again, once
      if (method !== 'GET') throw err;
      res = await send();
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as T } satisfies HttpResult<T>;
  };
  return {
    get: <T = any>(p: string) => call<T>('GET', p),
    /** A GET whose answer is read as bytes (a binary answer), with its content type. */
    bytes: async (p: string) => {
      const res = await fetch(`${baseUrl}${p}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      return {
        status: res.status,
        type: res.headers.get('content-type'),
        body: await res.arrayBuffer(),
      };
    },
    post: <T = any>(p: string, b?: unknown, h?: Record<string, string>) =>
      call<T>('POST', p, b ?? {}, h),
    raw: call,
  };
}

export async function login(baseUrl: string, username: string, password: string) {
  const r = await client(baseUrl).post('/api/v1/auth/login', { username, password });
  if (r.status !== 200)
    throw new Error(`login ${username} failed: ${r.status} ${JSON.stringify(r.body)}`);
  return client(baseUrl, r.body.accessToken as string) as ReturnType<typeof client> & {
    token?: string;
  };
}

export async function loginToken(
  baseUrl: string,
  username: string,
  password: string,
): Promise<string> {
  const r = await client(baseUrl).post('/api/v1/auth/login', { username, password });
  if (r.status !== 200) throw new Error(`login ${username} failed: ${r.status}`);
  return r.body.accessToken as string;
}

/** A connected socket.io client that records every event it receives, in order. */
export interface Recorder {
  socket: Socket;
  events: { event: string; payload: any }[];
  waitFor(
    pred: (e: { event: string; payload: any }) => boolean,
    timeoutMs?: number,
  ): Promise<{ event: string; payload: any }>;
  close(): void;
}

export async function connectSocket(
  baseUrl: string,
  namespace: string,
  token: string | undefined,
  extraAuth: Record<string, unknown> = {},
): Promise<Recorder> {
  const socket = io(`${baseUrl}${namespace}`, {
    auth: { ...(token ? { token } : {}), ...extraAuth },
    transports: ['websocket'],
    reconnection: false,
  });
  const events: { event: string; payload: any }[] = [];
  const waiters: {
    pred: (e: { event: string; payload: any }) => boolean;
    resolve: (e: any) => void;
  }[] = [];
  socket.onAny((event: string, payload: unknown) => {
    const e = { event, payload };
    events.push(e);
    for (const w of [...waiters]) {
      if (w.pred(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
  return {
    socket,
    events,
    waitFor(pred, timeoutMs = 10_000) {
      const found = events.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for socket event on ${namespace}`)),
          timeoutMs,
        );
        waiters.push({
          pred,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
    close() {
      socket.close();
    },
  };
}

export function emitWithAck<T = any>(socket: Socket, event: string, payload: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    socket
      .timeout(10_000)
      .emit(event, payload, (err: Error | null, res: T) => (err ? reject(err) : resolve(res)));
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
