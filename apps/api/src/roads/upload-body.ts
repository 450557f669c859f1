import type { Request } from 'express';
import { DomainError } from '@ringcad/core';

export const ROAD_NETWORK_UPLOAD_PATH = '/api/v1/road-network';
/** A whole city's OSM XML can be hundreds of MB; only an authenticated admin gets this far. */
export const ROAD_NETWORK_UPLOAD_LIMIT = 512 * 1024 * 1024;

/**
 * Reads the raw request body, which the global body middleware left on the wire for this route.
 * Called from the handler, i.e. after the guard: an unauthenticated upload is never read.
 */
export async function readRawBody(req: Request, limit: number): Promise<Buffer> {
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding !== 'identity') {
    throw new DomainError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Content-Encoding ${encoding} is not supported; send the file as is`,
    );
  }
  const declared = Number(req.headers['content-length']);
  const tooLarge = () =>
    new DomainError('PAYLOAD_TOO_LARGE', `the file exceeds ${limit / 1024 / 1024} MB`);
  if (declared > limit) throw tooLarge();
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      // stop reading; the response closes the connection (Connection: close)
      req.off('data', onData);
      req.pause();
      chunks.length = 0;
      reject(tooLarge());
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}
