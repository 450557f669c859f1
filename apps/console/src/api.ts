// HTTP client for the public contract (/api/v1). Errors come back as ApiError with the server's
// code (views show it through errorMessage in i18n.ts, never the server's English message).
import type { ErrorBody } from '@ringcad/contracts';
import { takeEarlyRead } from './early-reads';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

let token: string | null = null;
let onUnauthenticated: (() => void) | null = null;

export function setToken(t: string | null) {
  token = t;
}

/** The bearer token for requests made outside this client (the map's worker fetches). */
export function currentToken(): string | null {
  return token;
}

/** Called when the server no longer accepts the token (expired, revoked). */
export function setUnauthenticatedHandler(fn: () => void) {
  onUnauthenticated = fn;
}

/** A read answered 503 (a dependency busy or down) is tried again this many times, after Retry-After. */
const READ_RETRIES = 2;
const MAX_RETRY_WAIT_MS = 2000;

/** A non-JSON request body (an import file), sent as it is. */
export class RawBody {
  constructor(
    readonly data: ArrayBuffer,
    readonly type: string,
  ) {}
}

/** How a success body is read: JSON, or the bytes as they came (a binary answer). */
type Reading = 'json' | 'bytes';

async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  attempt = 0,
  reading: Reading = 'json',
): Promise<T> {
  const raw = body instanceof RawBody ? body : null;
  const send = () =>
    fetch(`/api/v1${path}`, {
      method,
      headers: {
        accept: reading === 'bytes' ? 'application/octet-stream' : 'application/json',
        ...(raw
          ? { 'content-type': raw.type }
          : body !== undefined
            ? { 'content-type': 'application/json' }
            : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: raw ? raw.data : body === undefined ? undefined : JSON.stringify(body),
    });
  // the page's first reads may already be on their way (index.html); a failed one is sent again
  const early =
    method === 'GET' && attempt === 0 && reading === 'json'
      ? takeEarlyRead(path, token)
      : undefined;
  const res = await (early ? early.catch(send) : send());
  if (reading === 'bytes' && res.ok) return (await res.arrayBuffer()) as T;
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (res.status === 503 && method === 'GET' && attempt < READ_RETRIES) {
    // reads are safe to repeat: the seat sees the answer a moment later, not an error
    const wait = Math.min(
      MAX_RETRY_WAIT_MS,
      Number(res.headers.get('retry-after') ?? '1') * 1000 || 1000,
    );
    await new Promise((r) => setTimeout(r, wait));
    return call<T>(method, path, body, attempt + 1, reading);
  }
  if (!res.ok) {
    const err = (parsed as ErrorBody | null)?.error;
    if (res.status === 401 && token) onUnauthenticated?.();
    throw new ApiError(
      res.status,
      err?.code ?? `HTTP_${res.status}`,
      err?.message ?? res.statusText,
      err?.details,
    );
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string) => call<T>('GET', path),
  /** A read whose answer is binary (errors still come as JSON): its bytes. */
  getBytes: (path: string) => call<ArrayBuffer>('GET', path, undefined, 0, 'bytes'),
  post: <T>(path: string, body: unknown = {}) => call<T>('POST', path, body),
  patch: <T>(path: string, body: unknown) => call<T>('PATCH', path, body),
  del: (path: string) => call<null>('DELETE', path),
  /** Uploads a file as the raw request body. */
  upload: <T>(path: string, data: ArrayBuffer, type: string) =>
    call<T>('POST', path, new RawBody(data, type)),
  put: <T>(path: string, body: unknown) => call<T>('PUT', path, body),
};

export function qs(params: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}
