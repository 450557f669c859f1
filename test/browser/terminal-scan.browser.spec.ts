// 警务通 sign-in by scanning (issue 14) in a real browser: Chromium's fake camera plays a video
// file this test writes (YUV4MPEG2, the admin's terminal-link QR code in every frame), the officer
// taps 扫码登录 and the terminal signs in as the unit. Then the admin issues a new link: the signed-in
// phone is told its token was replaced and is back at sign-in, and the new token works.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../bench/lib/chromium';
import { buildWorld, type World } from '../support/fixtures';
import { createStack, SERVICES_MODE, type Stack } from '../support/harness';
import { ROOT } from './console-browser';

jest.setTimeout(180_000);

const SHOTS = join(ROOT, 'test-results', 'terminal');

/**
 * A YUV4MPEG2 (4:2:0) video of `frames` identical frames showing `text` as a QR code: black
 * modules on white, a 4-module quiet zone, centred, `scale` pixels per module.
 */
export function qrVideo(text: string, width = 640, height = 480, scale = 6, frames = 4): Buffer {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules;
  const side = (qr.size + 8) * scale;
  if (side > width || side > height) throw new Error(`QR code of ${side} px does not fit`);
  const x0 = Math.floor((width - side) / 2) + 4 * scale;
  const y0 = Math.floor((height - side) / 2) + 4 * scale;
  const luma = Buffer.alloc(width * height, 235); // white (studio range)
  for (let r = 0; r < qr.size; r++)
    for (let c = 0; c < qr.size; c++) {
      if (!qr.get(r, c)) continue;
      for (let dy = 0; dy < scale; dy++)
        luma.fill(
          16,
          (y0 + r * scale + dy) * width + x0 + c * scale,
          (y0 + r * scale + dy) * width + x0 + (c + 1) * scale,
        );
    }
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128); // no colour (U then V)
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma]);
  return Buffer.concat([
    Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`),
    ...Array.from({ length: frames }, () => frame),
  ]);
}

describe(`警务通 QR sign-in with a camera (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let base: string;
  let dir: string;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await createStack({ COVERAGE_PUSH_SEC: '0' });
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(base, 2);
    dir = mkdtempSync(join(tmpdir(), 'ringcad-scan-'));
  });
  afterAll(async () => {
    await context?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await stack?.close();
  });

  it('signs in by scanning the admin’s QR code; a replaced token sends the phone back to sign-in', async () => {
    const u = world.units[0];
    const link = await world.admin.post(`/api/v1/units/${u.id}/terminal-link`);
    expect(link.status).toBe(200);
    const video = join(dir, 'qr.y4m');
    writeFileSync(video, qrVideo(link.body.url as string));
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        ...CHROMIUM_ARGS,
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${video}`,
      ],
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      permissions: ['camera'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await page.goto(`${base}/m/`);
    await page.locator('#scan').click();
    // signed in as the unit whose link was scanned, connected
    await page.locator('header .callsign', { hasText: u.callsign }).waitFor({ timeout: 30_000 });
    await page.locator('#net.on').waitFor();
    // this Chromium has no BarcodeDetector: the frames were read by the bundled jsQR
    const reader = await page.evaluate(() => (globalThis as any).document.body.dataset.qrReader);
    const native = await page.evaluate(() => 'BarcodeDetector' in globalThis);
    expect(reader).toBe(native ? 'native' : 'jsqr');
    await page.screenshot({ path: join(SHOTS, 'scan-signed-in.png') });

    // the admin issues a new link: the phone is told, and is back at sign-in with the reason
    const next = await world.admin.post(`/api/v1/units/${u.id}/terminal-link`);
    expect(next.status).toBe(200);
    await page.locator('.signin .error', { hasText: '新的终端令牌' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'scan-token-replaced.png') });
    // the new token, typed, signs in again
    await page.locator('#token').fill(next.body.terminalToken as string);
    await page.locator('#signin-form button[type="submit"]').click();
    await page.locator('header .callsign', { hasText: u.callsign }).waitFor();
    await page.locator('#net.on').waitFor();
    expect(problems).toEqual([]);
  });
});
