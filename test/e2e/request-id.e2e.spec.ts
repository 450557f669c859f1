import { AppLogger } from '@ringcad/core';
import { createApiApp } from '../../apps/api/src/app';
import {
  ADMIN_PASSWORD,
  createStack,
  loginToken,
  SERVICES_MODE,
  type Stack,
} from '../support/harness';

/** Lines the api wrote on stdout and stderr while `fn` ran. */
async function capture(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((s) => s.write.bind(s));
  streams.forEach((s, i) => {
    s.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(
        ...String(chunk)
          .split('\n')
          .filter((l) => l.length),
      );
      return (writes[i] as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    };
  });
  try {
    await fn();
  } finally {
    streams.forEach((s, i) => (s.write = writes[i]));
  }
  return lines;
}

describe(`request ids in responses, error bodies and log lines (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let base: string;
  let close: () => Promise<void>;
  let token: string;
  let lines: string[] = [];

  beforeAll(async () => {
    stack = await createStack();
    // this api logs as in production with LOG_FORMAT=json (the harness's apis are silent)
    lines = await capture(async () => {
      const app = await createApiApp(
        { ...stack.config, LOG_FORMAT: 'json' },
        { logger: new AppLogger('json') },
      );
      const { AuthService } = await import('@ringcad/core');
      await app.get(AuthService).ensureAdmin(ADMIN_PASSWORD, true);
      await app.listen(0, '127.0.0.1');
      base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
      close = () => app.close();
    });
    token = await loginToken(base, 'admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await close?.();
    await stack?.close();
  });

  const send = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
    });

  it('answers every request with an id, keeping a plain one the caller chose and replacing anything else', async () => {
    const a = await send('/api/v1/health');
    const b = await send('/api/v1/health');
    expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.headers.get('x-request-id')).not.toBe(a.headers.get('x-request-id'));
    const mine = await send('/api/v1/health', { headers: { 'x-request-id': 'lb-7f3a9c21-0001' } });
    expect(mine.headers.get('x-request-id')).toBe('lb-7f3a9c21-0001');
    const odd = await send('/api/v1/health', { headers: { 'x-request-id': 'x y\u00e9<script>' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('puts the id in every error body: filter, guard, body parser and media type refusals', async () => {
    const cases: [string, RequestInit, number][] = [
      ['/api/v1/incidents/00000000-0000-4000-8000-000000000000', {}, 404],
      [
        '/api/v1/incidents',
        { method: 'POST', body: '{"location":', headers: { 'content-type': 'application/json' } },
        400,
      ],
      [
        '/api/v1/incidents',
        {
          method: 'POST',
          body: 'a=1',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        },
        415,
      ],
      // admins take no calls: the role guard refuses
      [
        '/api/v1/incidents',
        { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } },
        403,
      ],
      [
        '/api/v1/units/positions',
        {
          method: 'POST',
          body: '{"positions": 3}',
          headers: { 'content-type': 'application/json' },
        },
        400,
      ],
    ];
    for (const [path, init, status] of cases) {
      const r = await send(path, init);
      expect(r.status).toBe(status);
      const body = (await r.json()) as { error: { requestId?: string } };
      expect(body.error.requestId).toBe(r.headers.get('x-request-id'));
    }
    const anonymous = await fetch(`${base}/api/v1/incidents`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { requestId?: string } }).error.requestId).toBe(
      anonymous.headers.get('x-request-id'),
    );
  });

  it("logs Nest's JSON lines, and a refused request's line carries its id (never its query string)", async () => {
    const more = await capture(async () => {
      const r = await send(
        '/api/v1/incidents/00000000-0000-4000-8000-000000000000?callerNumber=13800138000',
        { headers: { 'x-request-id': 'trace-000000000042' } },
      );
      expect(r.status).toBe(404);
      await new Promise((ok) => setTimeout(ok, 50));
    });
    const all = [...lines, ...more].map(
      (l) =>
        JSON.parse(l) as {
          level: string;
          timestamp: number;
          pid: number;
          message: unknown;
          requestId?: string;
        },
    );
    for (const l of all)
      expect(l).toMatchObject({
        level: expect.any(String),
        timestamp: expect.any(Number),
        pid: process.pid,
      });
    const refused = all.filter((l) => l.requestId === 'trace-000000000042');
    expect(refused).toHaveLength(1);
    expect(refused[0].message).toBe(
      'GET /api/v1/incidents/00000000-0000-4000-8000-000000000000 404 ' +
        String(refused[0].message).split(' 404 ')[1],
    );
    expect(JSON.stringify(refused)).not.toContain('13800138000');
  });
});
