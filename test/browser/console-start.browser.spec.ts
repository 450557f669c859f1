// How the console starts, in a real browser: the api serves the bundle gzipped at build time (and
// plain to a client that does not take gzip); a signed-in tab starts its first reads from the page
// itself, before the bundle has arrived, and the console takes those answers instead of asking
// again; a stale session's early reads end at the sign-in form, as any refused read does.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildWorld } from '../support/fixtures';
import { createStack, SERVICES_MODE, type Stack } from '../support/harness';
import {
  ensureConsoleBuilt,
  launchBrowser,
  mapErrors,
  ROOT,
  signIn,
  sourceFeatureCount,
  until,
  waitForMapIdle,
  watch,
  type BrowserSession,
} from './console-browser';

const SHARED = process.env.SHARED_DATA_DIR ?? resolve(ROOT, '../shared/data');
const DIST = join(ROOT, 'apps', 'console', 'dist');
jest.setTimeout(180_000);

/** A GET with the raw bytes as they came over the wire (no decoding). */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolvePromise, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolvePromise({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
        }),
      );
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe(`console start (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let base: string;
  let pc: BrowserSession;

  beforeAll(async () => {
    ensureConsoleBuilt();
    stack = await createStack({
      ROAD_NETWORK: join(SHARED, 'chengdu-center-2018.osm'),
      COVERAGE_PUSH_SEC: '0',
      POSITION_STALE_SEC: '3600',
    });
    base = (await stack.startApi()).url;
    await buildWorld(base, 4);
    pc = await launchBrowser();
  });

  afterAll(async () => {
    await pc?.close();
    await stack?.close();
  });

  it('serves the bundle gzipped at build time, and plain to a client without gzip', async () => {
    const script = /src="(\/assets\/index-[\w-]+\.js)"/.exec(
      readFileSync(join(DIST, 'index.html'), 'utf8'),
    )?.[1];
    expect(script).toBeDefined();
    const plain = readFileSync(join(DIST, script as string));
    const zipped = await rawGet(`${base}${script}`, { 'accept-encoding': 'gzip, deflate' });
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(String(zipped.headers['content-type'])).toMatch(/javascript/);
    expect(zipped.headers.vary).toMatch(/Accept-Encoding/i);
    // the file written at build time, byte for byte, and it is the bundle
    expect(zipped.body.equals(readFileSync(join(DIST, `${script}.gz`)))).toBe(true);
    expect(gunzipSync(zipped.body).equals(plain)).toBe(true);
    const identity = await rawGet(`${base}${script}`, { 'accept-encoding': 'identity' });
    expect(identity.status).toBe(200);
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.body.equals(plain)).toBe(true);
    // nothing outside the console's files, whatever the path says
    const outside = await rawGet(`${base}/assets/%2e%2e/%2e%2e/vite.config.ts`, {
      'accept-encoding': 'gzip',
    });
    expect(outside.status).toBe(404);
  });

  it('a signed-in tab reads the road network and districts once, started by the page', async () => {
    const seat = await watch(pc, 'dispatcher');
    await signIn(seat.page, base, 'dispatcher', 'dispatcher-password');
    await seat.page.locator('#connection.online').waitFor();
    await waitForMapIdle(seat.page);
    // a reload keeps the tab's session: the page asks before its scripts have run
    const reads: string[] = [];
    seat.page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path === '/api/v1/road-network' || path === '/api/v1/jurisdictions') reads.push(path);
    });
    await seat.page.reload();
    await seat.page.locator('#connection.online').waitFor();
    await waitForMapIdle(seat.page);
    const early = await seat.page.evaluate(() =>
      Object.keys((globalThis as any).__ringcadEarlyReads?.responses ?? { none: 1 }),
    );
    // both early answers were taken by the console, and neither was asked for again
    expect(early).toEqual([]);
    expect(reads.sort()).toEqual(['/api/v1/jurisdictions', '/api/v1/road-network']);
    // and they are what the map drew: the city framed with its roads, the district, the units
    expect(await sourceFeatureCount(seat.page, 'roads', { sourceLayer: 'roads' })).toBeGreaterThan(
      20,
    );
    expect(await sourceFeatureCount(seat.page, 'districts')).toBe(1);
    await until(
      () => sourceFeatureCount(seat.page, 'units'),
      (n) => n === 4,
    );
    expect(await mapErrors(seat.page)).toEqual([]);
    expect(seat.problems).toEqual([]);
    expect(seat.external).toEqual([]);
    await seat.page.close();
  });

  it('a session the server no longer accepts ends at the sign-in form', async () => {
    const seat = await watch(pc, 'stale');
    await seat.page.goto(base);
    // the user a dispatcher's login left, with a token the server never issued
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'dispatcher', password: 'dispatcher-password' }),
    });
    const { user } = (await login.json()) as { user: unknown };
    await seat.page.evaluate(
      (u) =>
        (globalThis as any).sessionStorage.setItem(
          'ringcad.session',
          JSON.stringify({ token: 'not-a-token', user: u }),
        ),
      user,
    );
    await seat.page.reload();
    await seat.page.locator('#login-username').waitFor();
    expect(
      await seat.page.evaluate(() => (globalThis as any).sessionStorage.getItem('ringcad.session')),
    ).toBeNull();
    // signing in again works from there
    await seat.page.locator('#login-username').fill('dispatcher');
    await seat.page.keyboard.press('Tab');
    await seat.page.keyboard.type('dispatcher-password');
    await seat.page.keyboard.press('Enter');
    await seat.page.locator('#connection.online').waitFor();
    await waitForMapIdle(seat.page);
    await seat.page.close();
  });
});
