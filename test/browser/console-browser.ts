// Shared helpers for driving the built console in headless Chromium (tests and the console bench).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = resolve(__dirname, '../..');
const CONSOLE = join(ROOT, 'apps', 'console');

/** Chromium flags from FACTS.md (software WebGL through SwiftShader, nothing phoning home). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-swiftshader',
  '--autoplay-policy=no-user-gesture-required',
];

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'apps/console', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

export interface BrowserSession {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh Chromium profile (its own storage), as a second hall PC would be. */
export async function launchBrowser(viewport = { width: 1600, height: 900 }): Promise<BrowserSession> {
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
  await page.waitForFunction(() => Boolean((globalThis as any).__ringcad?.view), undefined, { timeout: timeoutMs });
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
