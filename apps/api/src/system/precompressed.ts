// Static files gzipped once at build time (the console's Vite build writes `<file>.gz` beside every
// script, style sheet and page worth it): a browser that accepts gzip gets those bytes, so serving
// the console's 1.4 MB bundle costs the api a file read, not a gzip run on the cores that answer
// 110 calls. Anything else falls through to the plain static files (and the compression middleware).
import type { NextFunction, Request, Response } from 'express';
import { existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { acceptsGzip } from '../common/accepts-gzip';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
};

/** Serves `<dir>/<path>.gz` for GET/HEAD of `<path>` when the client accepts gzip and it exists. */
export function precompressed(dir: string, maxAgeMs: number) {
  const root = normalize(dir + sep);
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const type = TYPES[extname(req.path)];
    if (!type || !acceptsGzip(req)) return next();
    let file: string;
    try {
      file = normalize(join(root, decodeURIComponent(req.path)));
    } catch {
      return next();
    }
    // never outside the directory (`..` in the path)
    if (!file.startsWith(root)) return next();
    const gz = `${file}.gz`;
    if (!existsSync(gz) || !statSync(gz).isFile()) return next();
    res.setHeader('Content-Type', type);
    res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Vary', 'Accept-Encoding');
    res.sendFile(gz, { maxAge: maxAgeMs, dotfiles: 'deny' }, (err) => {
      if (err && !res.headersSent) next(err);
    });
  };
}
