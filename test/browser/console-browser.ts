// Shared helpers for driving the built console in headless Chromium (the browser tests).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../bench/lib/chromium';

export const ROOT = resolve(__dirname, '../..');
/** Screenshots of the browser tests (gitignored artefacts). */
export const SHOTS = join(ROOT, 'artifacts', 'browser');
const CONSOLE = join(ROOT, 'apps', 'console');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds apps/console/dist with Vite unless it is newer than every console source file. */
export function ensureConsoleBuilt(): void {
  const built = join(CONSOLE, 'dist', 'index.html');
  const sources = Math.max(newestMtime(CONSOLE), newestMtime(join(ROOT, 'libs', 'domain', 'src')));
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      'apps/console',
      '--logLevel',
      'warn',
    ],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
}

export interface BrowserSession {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh Chromium profile (its own storage), as a second hall PC would be. */
export async function launchBrowser(
  viewport = { width: 1600, height: 900 },
): Promise<BrowserSession> {
  const dir = mkdtempSync(join(tmpdir(), 'ringcad-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves when the console's map has its basemap and has drawn everything requested. */
export async function waitForMapIdle(page: Page, timeoutMs = 20_000): Promise<void> {
  await page.waitForFunction(() => Boolean((globalThis as any).__ringcad?.view), undefined, {
    timeout: timeoutMs,
  });
  await page.evaluate(
    (ms: number) =>
      new Promise<void>((resolvePromise, reject) => {
        const r = (globalThis as any).__ringcad;
        const timer = setTimeout(() => reject(new Error('map did not become idle')), ms);
        void r.view.basemapLoaded.then(() =>
          r.view.idle().then(() => {
            clearTimeout(timer);
            resolvePromise();
          }),
        );
      }),
    timeoutMs,
  );
}

/** A page whose problems are recorded as they happen. */
export interface Watched {
  page: Page;
  problems: string[];
  external: string[];
}

/**
 * A new page that records console errors, page errors, failed requests and any request that
 * leaves the machine (aborted).
 */
export async function watch(session: BrowserSession, name: string): Promise<Watched> {
  const page = await session.context.newPage();
  const w: Watched = { page, problems: [], external: [] };
  // every route the console calls must answer: a failed request is a problem, whatever the route
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    w.problems.push(`[${name}] console: ${msg.text()} ${msg.location()?.url ?? ''}`);
  });
  page.on('pageerror', (err) => w.problems.push(`[${name}] page error: ${err.message}`));
  page.on('response', (res) => {
    if (res.status() >= 400) w.problems.push(`[${name}] HTTP ${res.status()} ${res.url()}`);
  });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (
      /^https?:\/\/127\.0\.0\.1[:/]/.test(url) ||
      url.startsWith('data:') ||
      url.startsWith('blob:')
    )
      return route.continue();
    w.external.push(url);
    return route.abort();
  });
  return w;
}

/** Signs in through the login form (with a readable drawing buffer for pixel checks). */
export async function signIn(page: Page, base: string, username: string, password: string) {
  await page.goto(`${base}/?preserveDrawingBuffer`);
  await page.locator('#login-username').waitFor();
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.locator('.topbar').waitFor();
}

/**
 * A watched page signed in as `username` (password `<username>-password` unless given), online,
 * its map drawn: a seat ready for the test's first key.
 */
export async function openSeat(
  session: BrowserSession,
  base: string,
  username: string,
  password = `${username}-password`,
): Promise<Watched> {
  const seat = await watch(session, username);
  await signIn(seat.page, base, username, password);
  await seat.page.locator('#connection.online').waitFor();
  await waitForMapIdle(seat.page);
  return seat;
}

/** A screenshot into the artefacts folder. */
export async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Share of map-canvas pixels that differ from the background colour (read back from WebGL). */
export async function drawnShare(page: Page): Promise<number> {
  return page.evaluate(() => {
    const g = globalThis as any;
    const src = g.__ringcad.map.getCanvas();
    const c = g.document.createElement('canvas');
    c.width = src.width;
    c.height = src.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(src, 0, 0);
    const { data } = ctx.getImageData(0, 0, c.width, c.height);
    const bg = [0x0a, 0x11, 0x1d];
    let drawn = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (
        Math.abs(data[i] - bg[0]) + Math.abs(data[i + 1] - bg[1]) + Math.abs(data[i + 2] - bg[2]) >
        24
      )
        drawn++;
    }
    return drawn / (data.length / 4);
  });
}

export async function mapErrors(page: Page): Promise<string[]> {
  return page.evaluate(() => [...((globalThis as any).__ringcad?.view?.errors ?? [])] as string[]);
}

/** Features of a map source as the map holds them (one feature may sit in several tiles: by id). */
export async function sourceFeatureCount(
  page: Page,
  source: string,
  options: { sourceLayer?: string; filter?: unknown[] } = {},
): Promise<number> {
  return page.evaluate(
    ([s, o]) => {
      const features = (globalThis as any).__ringcad.map.querySourceFeatures(s, o) as {
        id?: unknown;
        properties: { id?: string };
      }[];
      return new Set(features.map((f, i) => f.properties.id ?? f.id ?? i)).size;
    },
    [source, options] as const,
  );
}

/** Polls `fn` until `ok(value)` holds; fails with the last value seen. */
export async function until<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T = await fn();
  while (!ok(last)) {
    if (Date.now() > end)
      throw new Error(
        `condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`,
      );
    await new Promise((r) => setTimeout(r, 100));
    last = await fn();
  }
  return last;
}

/** Waits until the first element matching `selector` contains `text`. */
export async function waitText(page: Page, selector: string, text: string, timeoutMs = 10_000) {
  await page.locator(selector).filter({ hasText: text }).first().waitFor({ timeout: timeoutMs });
}

/** The canvas pixel (r, g, b) at each lon/lat, read back from WebGL (null when off screen). */
export async function pixelsAt(page: Page, points: { lon: number; lat: number }[]) {
  return page.evaluate((pts) => {
    const g = globalThis as any;
    const map = g.__ringcad.map;
    const src = map.getCanvas();
    const copy = g.document.createElement('canvas');
    copy.width = src.width;
    copy.height = src.height;
    const ctx = copy.getContext('2d');
    ctx.drawImage(src, 0, 0);
    const scale = src.width / src.clientWidth;
    return pts.map((p: { lon: number; lat: number }) => {
      const px = map.project([p.lon, p.lat]);
      const x = Math.round(px.x * scale);
      const y = Math.round(px.y * scale);
      if (x < 0 || y < 0 || x >= copy.width || y >= copy.height) return null;
      const d = ctx.getImageData(x, y, 1, 1).data;
      return [d[0], d[1], d[2]] as [number, number, number];
    });
  }, points);
}
