import 'reflect-metadata';
import { Logger, type INestApplication, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import compression from 'compression';
import express, { type NextFunction, type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  AppLogger,
  currentRequestId,
  findProjectPath,
  HealthService,
  MetricsService,
  REQUEST_ID_HEADER,
  requestIdFor,
  runWithRequestId,
  type AppConfig,
  type Clock,
} from '@ringcad/core';
import { ApiModule } from './app.module';
import { RealtimeGateway } from './realtime/realtime.gateway';
import { ROAD_NETWORK_UPLOAD_PATH } from './roads/upload-body';
import { IMPORT_UPLOAD_PATH } from './imports/imports.controller';
import { terminalDist } from './safety/terminal-page.controller';
import { precompressed } from './system/precompressed';

export interface ApiAppOptions {
  clock?: Clock;
  logger?: LoggerService | false;
}

/** Builds the api (not yet listening): REST, socket.io, and the processors in embedded mode. */
export async function createApiApp(
  config: AppConfig,
  options: ApiAppOptions = {},
): Promise<INestApplication> {
  const logger = options.logger ?? new AppLogger(config.LOG_FORMAT);
  const app = await NestFactory.create<NestExpressApplication>(
    ApiModule.forRoot({ config, clock: options.clock }),
    {
      bodyParser: false,
      logger: logger === false ? false : logger,
    },
  );
  // every request gets an id (the caller's X-Request-Id when it is a plain token): answered in the
  // X-Request-Id header and every error body, written into every log line served for it
  const http = new Logger('HTTP');
  const metrics = app.get(MetricsService);
  const health = app.get(HealthService);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const id = requestIdFor(req.headers['x-request-id']);
    const started = performance.now();
    res.setHeader(REQUEST_ID_HEADER, id);
    // draining (SIGTERM): answer what comes, also what was in flight when the signal came, then
    // close the connection so the client's next request opens a new one, to an instance that stays
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => Response;
    res.writeHead = ((...args: unknown[]) => {
      if (health.draining && !res.headersSent) res.setHeader('Connection', 'close');
      return writeHead(...args);
    }) as typeof res.writeHead;
    // refusals and failures are logged with the request's id (the path without its query, which
    // may carry a caller's number)
    res.on('finish', () => {
      // latency by route template: `/api/v1/incidents/:id`, never the id (bounded label set)
      metrics.httpDuration.observe(
        { method: req.method, route: routeTemplate(req), status: String(res.statusCode) },
        (performance.now() - started) / 1000,
      );
      if (res.statusCode < 400) return;
      const line = `${req.method} ${req.path} ${res.statusCode} ${Math.round(performance.now() - started)} ms`;
      runWithRequestId(id, () => (res.statusCode >= 500 ? http.warn(line) : http.log(line)));
    });
    runWithRequestId(id, next);
  });
  // road networks, snapshots and reports are large and repetitive: gzip what is worth it
  app.use(compression({ threshold: 2048 }));
  if (config.TRUST_PROXY !== false) app.set('trust proxy', config.TRUST_PROXY);
  const json = express.json({ limit: config.BODY_LIMIT });
  // Bodies are read before Nest's guard runs, so nothing large or unexpected is read here: JSON up
  // to BODY_LIMIT, or a clear 415. The one route taking a large raw body (the road-network upload)
  // reads it itself, after the guard has authenticated an admin; so do bulk imports.
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!hasBody(req)) return next();
    if (
      req.method === 'POST' &&
      (req.path === ROAD_NETWORK_UPLOAD_PATH || req.path === IMPORT_UPLOAD_PATH)
    ) {
      // a refused upload closes the connection rather than draining what is still on the wire
      res.setHeader('Connection', 'close');
      return next();
    }
    if (!req.is('application/json')) {
      res.setHeader('Connection', 'close');
      res.status(415).json({
        error: {
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message: `request bodies must be application/json (got ${req.headers['content-type'] ?? 'no content type'})`,
          requestId: currentRequestId(),
        },
      });
      return;
    }
    // Body-parser errors happen before Nest's pipeline; answer them in our error shape here.
    // the body arrives on the socket's events, outside the request's async context: take the id
    // back from the response header before going on
    const id = String(res.getHeader(REQUEST_ID_HEADER));
    json(req, res, (err?: { status?: number; type?: string; message?: string }) => {
      if (!err) return runWithRequestId(id, next);
      const tooLarge = err.type === 'entity.too.large' || err.status === 413;
      res.status(tooLarge ? 413 : 400).json({
        error: {
          code: tooLarge ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED',
          message: tooLarge
            ? `request body exceeds ${config.BODY_LIMIT}`
            : `malformed JSON body: ${err.message ?? ''}`,
          requestId: id,
        },
      });
    });
  });
  // the built console (apps/console/dist) and its assets; `/` itself is ConsolePageController
  const consoleDist = join(findProjectPath('apps/console'), 'dist');
  if (existsSync(consoleDist)) {
    app.use(precompressed(consoleDist, 3600_000));
    app.useStaticAssets(consoleDist, { index: false, maxAge: '1h' });
  }
  // the 警务通 terminal app (apps/terminal/dist) under /m; `/m` itself is TerminalPageController
  if (existsSync(terminalDist()))
    app.useStaticAssets(terminalDist(), { prefix: '/m', index: false, maxAge: 0 });
  await app.get(RealtimeGateway).attach(app.getHttpServer());
  try {
    await app.init();
  } catch (err) {
    // a start refused during bootstrap (e.g. a bad ROAD_NETWORK) lets go of the database
    await app.close().catch(() => undefined);
    throw err;
  }
  return app;
}

/**
 * The route template Express matched (`req.route` is set by the router for Nest's handlers), or
 * one of two fixed labels: static files and everything unmatched (404s, probes) share a label so
 * that a scanner's random paths cannot grow the metric without bound.
 */
function routeTemplate(req: Request): string {
  const route = (req as Request & { route?: { path?: unknown } }).route;
  if (route && typeof route.path === 'string') return `${req.baseUrl}${route.path}`;
  return req.method === 'GET' && /\.[a-z0-9]+$/i.test(req.path) ? '(static)' : '(unmatched)';
}

/** A declared, non-empty body (`Content-Length: 0` is none; chunked is one). */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export { Logger };
