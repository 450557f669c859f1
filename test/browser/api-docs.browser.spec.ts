// The contract's page (issue #12): /api/docs renders the OpenAPI document in a real browser with
// every request outside this machine refused, so it works on a hall network with no internet.
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { createStack, SERVICES_MODE, type Stack } from '../support/harness';
import { launchBrowser, SHOTS, shot, type BrowserSession } from './console-browser';

jest.setTimeout(180_000);

describe(`/api/docs offline (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let base: string;
  let pc: BrowserSession;
  let page: Page;
  const outside: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await createStack();
    base = (await stack.startApi()).url;
    pc = await launchBrowser();
    await pc.context.route('**/*', async (route) => {
      const { hostname } = new URL(route.request().url());
      if (hostname === '127.0.0.1' || hostname === 'localhost') return route.continue();
      outside.push(route.request().url());
      return route.abort('internetdisconnected');
    });
    page = await pc.context.newPage();
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()}: ${r.url()}`);
    });
  });
  afterAll(async () => {
    await pc?.close();
    await stack?.close();
  });

  it('shows the operations, with their roles, from local assets only', async () => {
    // Swagger UI renders the operations as they scroll into view; a deep link (#/tag/operationId)
    // scrolls to one and opens it
    await page.goto(`${base}/api/docs#/Incidents/Incidents.create`);
    const createIncident = page.locator(
      '.opblock-post .opblock-summary-path[data-path="/api/v1/incidents"]',
    );
    await createIncident.waitFor({ state: 'visible', timeout: 30_000 });
    if (!(await page.locator('.opblock-post.is-open').count())) await createIncident.click();
    await page
      .getByText('Roles: calltaker, dispatcher.')
      .first()
      .waitFor({ state: 'visible', timeout: 10_000 });
    await shot(page, 'api-docs');
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('would notice a page that needs the internet (the block is in force)', async () => {
    const probe = await pc.context.newPage();
    const failed = await probe
      .goto('https://example.com/', { timeout: 10_000 })
      .then(() => false)
      .catch(() => true);
    await probe.close();
    expect(failed).toBe(true);
    expect(outside).toContain('https://example.com/');
  });
});
