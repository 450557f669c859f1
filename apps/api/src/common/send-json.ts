import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Request, Response } from 'express';
import { acceptsGzip } from './accepts-gzip';

const gzipFast = promisify(gzip);

/** Below this many characters the compression middleware's level costs too little to matter. */
const FAST_GZIP_FROM = 64 * 1024;

/**
 * Sends a body of `type`; from `gzipFrom` characters (or bytes) on, to a client that accepts it,
 * gzipped at the fastest level, off the event loop. Megabytes of digits (a report over 5,000
 * units, a district-hour replay) cost the middleware's default level ~40–55 ms of CPU for a third
 * fewer bytes; the middleware leaves an encoded body alone.
 */
export async function sendBody(
  req: Request,
  res: Response,
  type: string,
  body: string | Buffer,
  gzipFrom = FAST_GZIP_FROM,
): Promise<void> {
  res.type(type).setHeader('Vary', 'Accept-Encoding');
  if (body.length < gzipFrom || !acceptsGzip(req)) {
    res.send(body);
    return;
  }
  res.setHeader('Content-Encoding', 'gzip').send(await gzipFast(body, { level: 1 }));
}

/** Sends JSON text ({@link sendBody}: gzipped from `gzipFrom` characters on). */
export function sendJsonText(
  req: Request,
  res: Response,
  text: string,
  gzipFrom = FAST_GZIP_FROM,
): Promise<void> {
  return sendBody(req, res, 'application/json; charset=utf-8', text, gzipFrom);
}

/** Sends a JSON answer (`sendJsonText`: one of 64 kB or more gzipped at the fastest level). */
export function sendJson(req: Request, res: Response, body: unknown): Promise<void> {
  return sendJsonText(req, res, JSON.stringify(body));
}
