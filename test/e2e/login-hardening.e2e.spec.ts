import { sql } from 'kysely';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import {
  ADMIN_PASSWORD,
  client,
  connectSocket,
  createStack,
  loginToken,
  SERVICES_MODE,
  type Stack,
} from '../support/harness';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: any;
}

/** One HTTP request from a chosen loopback address (Linux routes all of 127/8 to lo). */
function call(
  baseUrl: string,
  method: string,
  path: string,
  opts: {
    body?: unknown;
    token?: string;
    from?: string;
    contentType?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Reply> {
  const payload =
    opts.body === undefined
      ? undefined
      : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${baseUrl}${path}`,
      {
        method,
        localAddress: opts.from,
        headers: {
          ...(payload
            ? {
                'content-type': opts.contentType ?? 'application/json',
                'content-length': payload.length,
              }
            : {}),
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const loginFrom = (baseUrl: string, from: string, username: string, password: string) =>
  call(baseUrl, 'POST', '/api/v1/auth/login', { from, body: { username, password } });

/**
 * Streams `totalBytes` of application/octet-stream (honouring backpressure) and notes how much had
 * been handed to the socket when the response arrived. The server must answer without reading it.
 */
function uploadBig(
  url: string,
  totalBytes: number,
  token?: string,
): Promise<{ status: number; body: any; sentAtResponse: number; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = false;
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    const req = httpRequest(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': totalBytes,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
    req.on('response', (res) => {
      const sentAtResponse = sent;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        done = true;
        req.destroy();
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
          sentAtResponse,
          ms: Date.now() - started,
        });
      });
    });
    // the server closing the connection on an unread upload is the point; only fail if no answer came
    req.on('error', (err) => setTimeout(() => (done ? undefined : reject(err)), 2000));
    const pump = () => {
      while (!done && sent < totalBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!done) req.end();
    };
    pump();
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe(`login hardening, sessions and request bodies (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let base: string;
  /** Instance 1 in services mode (another process, same Redis); instance 0 in embedded mode. */
  let other: string;
  let adminToken: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    stack = await createStack();
    base = (await stack.startApi(0)).url;
    other = SERVICES_MODE ? (await stack.startApi(1)).url : base;
    adminToken = await loginToken(base, 'admin', ADMIN_PASSWORD);
    for (const name of ['tina', 'throttled', 'erin', 'dana']) {
      const r = await client(base, adminToken).post('/api/v1/users', {
        username: name,
        password: `${name}-password`,
        roles: ['dispatcher'],
      });
      expect(r.status).toBe(201);
      ids[name] = r.body.id;
    }
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers an unknown username exactly like a wrong password, in about the same time', async () => {
    const unknown: number[] = [];
    const wrong: number[] = [];
    let unknownBody = { error: {} } as { error: { requestId?: string } };
    let wrongBody = { error: {} } as { error: { requestId?: string } };
    for (let i = 0; i < 7; i++) {
      // each try from its own address, so the throttle plays no part in the timings
      let t = performance.now();
      const u = await loginFrom(base, `127.0.1.${i + 1}`, `nobody-${i}`, 'some-password');
      unknown.push(performance.now() - t);
      t = performance.now();
      const w = await loginFrom(base, `127.0.2.${i + 1}`, 'tina', 'not-her-password');
      wrong.push(performance.now() - t);
      expect(u.status).toBe(401);
      expect(w.status).toBe(401);
      unknownBody = u.body;
      wrongBody = w.body;
    }
    // the same body but for the request's own id
    const withoutId = (b: { error: { requestId?: string } }) => ({
      error: { ...b.error, requestId: undefined },
    });
    expect(withoutId(unknownBody)).toEqual({
      error: { code: 'UNAUTHENTICATED', message: 'wrong username or password' },
    });
    expect(withoutId(unknownBody)).toEqual(withoutId(wrongBody));
    expect(unknownBody.error.requestId).not.toEqual(wrongBody.error.requestId);
    // an unknown name costs a full scrypt verification too (generous: no flaky tight bound)
    expect(median(unknown)).toBeGreaterThanOrEqual(0.5 * median(wrong));
  });

  it('backs off one address guessing one account, on every api instance, while the right password from another address still works', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await loginFrom(base, '127.0.0.1', 'throttled', `guess-${i}`);
      expect(r.status).toBe(401);
    }
    // counted on instance 0, enforced on instance 1 (services mode: through Redis)
    const locked = await loginFrom(other, '127.0.0.1', 'throttled', 'throttled-password');
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('RATE_LIMITED');
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(locked.body.error.details.retryAfterSec).toBe(retryAfter);
    // the real user elsewhere is not locked out
    const elsewhere = await loginFrom(other, '127.0.0.2', 'throttled', 'throttled-password');
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.user.username).toBe('throttled');
    expect((await loginFrom(base, '127.0.0.2', 'throttled', 'wrong-again')).status).toBe(401);
    // nor is another account from the locked address
    expect((await loginFrom(base, '127.0.0.1', 'tina', 'tina-password')).status).toBe(200);
    // and the lockout does not lift with the right password
    expect((await loginFrom(base, '127.0.0.1', 'throttled', 'throttled-password')).status).toBe(
      429,
    );
    // nor with a forged X-Forwarded-For (TRUST_PROXY is off)
    const forged = await call(base, 'POST', '/api/v1/auth/login', {
      from: '127.0.0.1',
      body: { username: 'throttled', password: 'throttled-password' },
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    expect(forged.status).toBe(429);
  });

  it('logs out: the token stops working at once and its console socket is closed', async () => {
    const token = await loginToken(other, 'erin', 'erin-password');
    const console = await connectSocket(other, '/console', token);
    const closed = new Promise<string>((resolve) => console.socket.once('disconnect', resolve));
    expect((await client(base, token).get('/api/v1/units')).status).toBe(200);
    const out = await call(base, 'POST', '/api/v1/auth/logout', { token });
    expect(out.status).toBe(204);
    expect((await client(other, token).get('/api/v1/units')).status).toBe(401);
    expect((await call(base, 'POST', '/api/v1/auth/logout', { token })).status).toBe(401);
    expect(await closed).toBe('io server disconnect');
    // other sessions of the same user are untouched
    const second = await loginToken(base, 'erin', 'erin-password');
    expect((await client(base, second).get('/api/v1/units')).status).toBe(200);
  });

  it('lets an admin list, disable and enable accounts; a disabled account loses its sessions and cannot log in', async () => {
    const admin = client(base, adminToken);
    const token = await loginToken(base, 'dana', 'dana-password');
    const console = await connectSocket(other, '/console', token);
    const closed = new Promise<string>((resolve) => console.socket.once('disconnect', resolve));

    const list = await admin.get('/api/v1/users');
    expect(list.status).toBe(200);
    expect(list.body.find((u: any) => u.username === 'dana')).toEqual({
      id: ids.dana,
      username: 'dana',
      roles: ['dispatcher'],
      jurisdictionId: null,
      disabled: false,
    });
    expect(list.body.find((u: any) => u.username === 'admin')?.disabled).toBe(false);
    expect((await client(base, token).get('/api/v1/users')).status).toBe(403);
    expect((await client(base, token).post(`/api/v1/users/${ids.tina}/disable`)).status).toBe(403);

    const disabled = await admin.post(`/api/v1/users/${ids.dana}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ id: ids.dana, username: 'dana', disabled: true });
    expect((await client(other, token).get('/api/v1/units')).status).toBe(401);
    expect(await closed).toBe('io server disconnect');
    const refused = await loginFrom(other, '127.0.0.5', 'dana', 'dana-password');
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({
      error: {
        code: 'UNAUTHENTICATED',
        message: 'wrong username or password',
        requestId: expect.any(String),
      },
    });
    expect(
      (await admin.get('/api/v1/users')).body.find((u: any) => u.username === 'dana').disabled,
    ).toBe(true);

    const enabled = await admin.post(`/api/v1/users/${ids.dana}/enable`);
    expect(enabled.status).toBe(200);
    expect(enabled.body.disabled).toBe(false);
    expect((await loginFrom(base, '127.0.0.5', 'dana', 'dana-password')).status).toBe(200);
    // the old session stays revoked
    expect((await client(base, token).get('/api/v1/units')).status).toBe(401);

    const adminId = (await admin.get('/api/v1/users')).body.find((u: any) => u.username === 'admin')
      .id as string;
    const self = await admin.post(`/api/v1/users/${adminId}/disable`);
    expect(self.status).toBe(409);
    expect(self.body.error.code).toBe('CONFLICT');
    expect(
      (await admin.post('/api/v1/users/00000000-0000-4000-8000-000000000000/disable')).status,
    ).toBe(404);
  });

  it('reuses a resolved session only where this api is the one writer (embedded); every change to accounts applies at the next request', async () => {
    const { DatabaseService, SESSION_REUSE_MS, tokenHash } = await import('@ringcad/core');
    const db = stack.api(0).app.get(DatabaseService).db;
    const admin = client(base, adminToken);
    const units = async (t: string) => (await client(base, t).get('/api/v1/units')).status;
    const users = async (t: string) => (await client(base, t).get('/api/v1/users')).status;

    // a session removed behind the api's back (no such writer exists embedded; this shows whether
    // the read was reused): embedded, it is reused up to SESSION_REUSE_MS; PostgreSQL reads it
    // at every request (another instance may have changed it)
    const first = await loginToken(base, 'erin', 'erin-password');
    expect(await units(first)).toBe(200);
    await sql`DELETE FROM sessions WHERE token_hash = ${tokenHash(first)}`.execute(db);
    expect(await units(first)).toBe(SERVICES_MODE ? 401 : 200);
    await new Promise((r) => setTimeout(r, SESSION_REUSE_MS + 100));
    expect(await units(first)).toBe(401);

    // changes through the api: roles, logout, password, each at the very next request
    const token = await loginToken(base, 'erin', 'erin-password');
    expect(await users(token)).toBe(403);
    const granted = await admin.raw('PATCH', `/api/v1/users/${ids.erin}`, {
      roles: ['dispatcher', 'admin'],
    });
    expect(granted.status).toBe(200);
    expect(await users(token)).toBe(200);
    expect(
      (await admin.raw('PATCH', `/api/v1/users/${ids.erin}`, { roles: ['dispatcher'] })).status,
    ).toBe(200);
    expect(await users(token)).toBe(403);
    expect(await units(token)).toBe(200);
    expect((await client(base, token).post('/api/v1/auth/logout')).status).toBeLessThan(300);
    expect(await units(token)).toBe(401);

    const again = await loginToken(base, 'erin', 'erin-password');
    expect(await units(again)).toBe(200);
    const reset = await admin.post(`/api/v1/users/${ids.erin}/password`, {
      password: 'erin-new-password',
    });
    expect(reset.status).toBe(200);
    expect(await units(again)).toBe(401);
  });

  it('refuses an unauthenticated socket.io connection on the default namespace', async () => {
    await expect(connectSocket(base, '/', undefined)).rejects.toThrow('UNAUTHENTICATED');
    await expect(connectSocket(base, '/', 'u_madeup')).rejects.toThrow('UNAUTHENTICATED');
  });

  it('refuses a 50 MB octet-stream body before authentication, without reading it', async () => {
    const size = 50 * 1024 * 1024;
    // any JSON route: refused by content type before anything is read
    const json = await uploadBig(`${base}/api/v1/incidents`, size);
    expect(json.status).toBe(415);
    expect(json.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(json.sentAtResponse).toBeLessThan(size / 2);
    // the upload route: the guard refuses it before its handler would read the body
    const upload = await uploadBig(`${base}/api/v1/road-network?format=osm`, size);
    expect(upload.status).toBe(401);
    expect(upload.body.error.code).toBe('UNAUTHENTICATED');
    expect(upload.sentAtResponse).toBeLessThan(size / 2);
    // a signed-in non-admin gets no further
    const dispatcherToken = await loginToken(base, 'tina', 'tina-password');
    const forbidden = await uploadBig(
      `${base}/api/v1/road-network?format=osm`,
      size,
      dispatcherToken,
    );
    expect(forbidden.status).toBe(403);
    expect(forbidden.sentAtResponse).toBeLessThan(size / 2);
    // the server is fine afterwards
    expect((await call(base, 'GET', '/api/v1/health')).status).toBe(200);
  });

  it('takes JSON only on every other route, and the raw upload only from an admin', async () => {
    const asText = await call(base, 'POST', '/api/v1/auth/login', {
      body: 'username=admin',
      contentType: 'text/plain',
    });
    expect(asText.status).toBe(415);
    expect(asText.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const rawToJson = await call(base, 'POST', '/api/v1/units', {
      body: '{}',
      contentType: 'application/octet-stream',
      token: adminToken,
    });
    expect(rawToJson.status).toBe(415);
    const jsonToUpload = await call(base, 'POST', '/api/v1/road-network?format=geojson', {
      body: {},
      token: adminToken,
    });
    expect(jsonToUpload.status).toBe(415);
    const empty = await call(base, 'POST', '/api/v1/road-network?format=geojson', {
      body: '',
      contentType: 'application/octet-stream',
      token: adminToken,
    });
    expect(empty.status).toBe(400);
    // a small network uploaded by an admin is read and loaded
    const lines: number[][][] = [];
    for (let i = 0; i <= 4; i++) {
      lines.push([0, 1, 2, 3, 4].map((j) => [104.06 + j * 0.002, 30.65 + i * 0.002]));
      lines.push([0, 1, 2, 3, 4].map((j) => [104.06 + i * 0.002, 30.65 + j * 0.002]));
    }
    const fc = {
      type: 'FeatureCollection',
      features: lines.map((coordinates, k) => ({
        type: 'Feature',
        properties: { highway: 'residential', name: `路${k}` },
        geometry: { type: 'LineString', coordinates },
      })),
    };
    const uploaded = await call(base, 'POST', '/api/v1/road-network?format=geojson', {
      body: JSON.stringify(fc),
      contentType: 'application/octet-stream',
      token: adminToken,
    });
    expect(uploaded.status).toBe(201);
    const summary = await client(base, adminToken).get('/api/v1/road-network');
    expect(summary.status).toBe(200);
    expect(summary.body.bbox[0]).toBeCloseTo(104.06, 3);
  });
});
