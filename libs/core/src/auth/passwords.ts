import { randomBytes, scrypt as scryptCb, timingSafeEqual, createHash } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (
  pw: string,
  salt: Buffer,
  len: number,
  opts: object,
) => Promise<Buffer>;
// scrypt N=2^15, r=8: ~60-100 ms per hash here, deliberately slow against guessing.
const N = 32768;
const R = 8;
const P = 1;
const KEYLEN = 32;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEYLEN, { N, r: R, p: P, maxmem: 128 * N * R * 2 });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/**
 * True only when `stored` is a well-formed scrypt hash of `password`. A malformed or hostile
 * stored value (wrong field count, absurd cost parameters that would stall the event loop or
 * exhaust memory) is a non-match, never an exception: login must answer 401, not 500.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = typeof stored === 'string' ? stored.split('$') : [];
  if (parts.length !== 6) return false;
  const [alg, nS, rS, pS, saltB64, keyB64] = parts;
  const n = Number(nS);
  const r = Number(rS);
  const p = Number(pS);
  if (alg !== 'scrypt') return false;
  // bounds: at most 4x our own cost, so a planted hash cannot be used to slow every login down
  if (!Number.isInteger(n) || n < 2 || n > 4 * N || (n & (n - 1)) !== 0) return false;
  if (!Number.isInteger(r) || r < 1 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16)
    return false;
  if (!BASE64.test(saltB64) || !BASE64.test(keyB64)) return false;
  const expected = Buffer.from(keyB64, 'base64');
  if (expected.length < 16 || expected.length > 128) return false;
  try {
    const key = await scrypt(password, Buffer.from(saltB64, 'base64'), expected.length, {
      N: n,
      r,
      p,
      maxmem: 128 * n * r * 2,
    });
    return timingSafeEqual(key, expected);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;
/**
 * A real hash with our current parameters, of a random password nobody knows, made once per
 * process: an unknown username is checked against it so it costs what a wrong password costs.
 */
export function timingDummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(18).toString('base64url'));
  return dummy;
}

/** Opaque bearer tokens: random, shown once, stored only as their SHA-256. */
export function newToken(prefix: 'u' | 't'): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
