// The command features in a real browser (issue #7): on the sealing cross (four 20 km primary
// roads from one junction, answers worked out on paper in libs/routing's sealing fixture) an admin
// sets up a response plan through the public API, a call-taker creates an incident it applies to;
// the dispatcher opens the incident, confirms the plan's proposal with its one button, shows the
// 10/20-minute sealing rings and mans the sealable checkpoints with one more. Every step is checked
// through the API and on the screen (DOM, the map's sources, pixels where the ring is drawn);
// screenshots go to artifacts/browser/.
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { UNIT_KIND_LABELS } from '@ringcad/domain';
import { SEALING_ORIGIN, SEALING_UNITS, sealingAt } from '../../libs/routing/src/sealing.fixture';
import { client, login, SERVICES_MODE } from '../support/harness';
import { startSealingWorld, type SealingWorld } from '../support/sealing-world';
import {
  ensureConsoleBuilt,
  openSeat,
  launchBrowser,
  mapErrors,
  SHOTS,
  shot,
  until,
  waitForMapIdle,
  waitText,
  type BrowserSession,
  type Watched,
} from './console-browser';

jest.setTimeout(180_000);

type Http = ReturnType<typeof client>;
interface SealingCheckpoint {
  checkpointId: string;
  name: string;
  sealable: boolean;
  bestUnit: { unitId: string; callsign: string } | null;
}
interface Sealing {
  tiers: {
    sec: number;
    boundary: { type: string; coordinates: unknown } | null;
    checkpoints: SealingCheckpoint[];
    crossings: unknown[];
  }[];
}

const OUTER_RING = [0xa8, 0x55, 0xf7] as const; // the 20-minute ring's colour (views/sealing.ts)

/** Outer-ring vertices of a (Multi)Polygon, at most `max` of them spread along it. */
function ringSample(
  geometry: { type: string; coordinates: unknown },
  max: number,
): [number, number][] {
  const polygons = (
    geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates
  ) as [number, number][][][];
  const all = polygons.flatMap((p) => p[0]);
  const step = Math.max(1, Math.floor(all.length / max));
  return all.filter((_, i) => i % step === 0);
}

/** Pixels of the map canvas within `tolerance` of a colour (sum of channel differences). */
async function colourPixels(page: Page, rgb: readonly number[], tolerance = 48): Promise<number> {
  return page.evaluate(
    ({ c, tol }) => {
      const g = globalThis as any;
      const src = g.__ringcad.map.getCanvas();
      const copy = g.document.createElement('canvas');
      copy.width = src.width;
      copy.height = src.height;
      const ctx = copy.getContext('2d');
      ctx.drawImage(src, 0, 0);
      const { data } = ctx.getImageData(0, 0, copy.width, copy.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4)
        if (
          Math.abs(data[i] - c[0]) + Math.abs(data[i + 1] - c[1]) + Math.abs(data[i + 2] - c[2]) <
          tol
        )
          n++;
      return n;
    },
    { c: [...rgb], tol: tolerance },
  );
}

/**
 * For points given in lon/lat, how many are on screen and how many have a pixel of the colour
 * within `radius` px (the ring is dashed: 7.5 px dashes, 5 px gaps at its 2.5 px width).
 */
async function colourAt(
  page: Page,
  points: [number, number][],
  rgb: readonly number[],
  radius = 6,
  tolerance = 48,
) {
  return page.evaluate(
    ({ pts, c, r, tol }) => {
      const g = globalThis as any;
      const map = g.__ringcad.map;
      const src = map.getCanvas();
      const copy = g.document.createElement('canvas');
      copy.width = src.width;
      copy.height = src.height;
      const ctx = copy.getContext('2d');
      ctx.drawImage(src, 0, 0);
      const { data } = ctx.getImageData(0, 0, copy.width, copy.height);
      const scale = src.width / src.clientWidth;
      let onScreen = 0;
      let hit = 0;
      for (const p of pts) {
        const px = map.project(p);
        const x0 = Math.round(px.x * scale);
        const y0 = Math.round(px.y * scale);
        if (x0 < r || y0 < r || x0 >= copy.width - r || y0 >= copy.height - r) continue;
        onScreen++;
        let found = false;
        for (let y = y0 - r; y <= y0 + r && !found; y++) {
          for (let x = x0 - r; x <= x0 + r && !found; x++) {
            const i = (y * copy.width + x) * 4;
            if (
              Math.abs(data[i] - c[0]) +
                Math.abs(data[i + 1] - c[1]) +
                Math.abs(data[i + 2] - c[2]) <
              tol
            )
              found = true;
          }
        }
        if (found) hit++;
      }
      return { onScreen, hit };
    },
    { pts: points, c: [...rgb], r: radius, tol: tolerance },
  );
}

/** Scrolls the panel to an element in one go (the incident panel re-renders as units move). */
async function scrollTo(page: Page, selector: string) {
  await page.evaluate(
    (sel: string) =>
      (globalThis as any).document.querySelector(sel)?.scrollIntoView({ block: 'start' }),
    selector,
  );
}

/** The sealing source as the map holds it: boundary tiers, checkpoints (id → manned), crossings. */
async function sealingOnMap(page: Page) {
  return page.evaluate(() => {
    const features = (globalThis as any).__ringcad.map.querySourceFeatures('sealing') as {
      properties: Record<string, unknown>;
    }[];
    const boundaryTiers = [
      ...new Set(
        features
          .filter((f) => f.properties.kind === 'boundary')
          .map((f) => f.properties.tier as number),
      ),
    ].sort();
    const checkpoints: Record<string, boolean> = {};
    for (const f of features)
      if (f.properties.kind === 'checkpoint')
        checkpoints[f.properties.id as string] = Boolean(f.properties.manned);
    return {
      boundaryTiers,
      checkpoints,
      crossings: features.filter((f) => f.properties.kind === 'crossing').length,
    };
  });
}

describe(`command features in a real browser (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let world: SealingWorld;
  let base: string;
  let admin: Http;
  let dispatcherApi: Http;
  let pc: BrowserSession;
  let dispatcher: Watched;
  let incidentId = '';
  let proposedIds: string[] = [];
  const unit: Record<string, string> = {};

  const assignmentsOf = async (id: string) =>
    ((await dispatcherApi.get(`/api/v1/incidents/${id}/timeline`)).body.assignments as {
      unitId: string;
      status: string;
      role: string;
    }[]) ?? [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ensureConsoleBuilt();
    world = await startSealingWorld({
      roles: ['calltaker', 'dispatcher'],
      fleet: [
        ...Object.entries(SEALING_UNITS).map(
          ([name, p]): [string, string, { lon: number; lat: number }] => [name, 'patrol_car', p],
        ),
        ['F1', 'foot', sealingAt(200, 0)],
      ],
    });
    ({ base, admin } = world);
    for (const [name, u] of Object.entries(world.units)) unit[name] = u.id;
    dispatcherApi = await login(base, 'dispatcher', 'dispatcher-password');
    // 预案: an armed robbery gets two patrol cars within the 30-minute tier and a SWAT team (none exists)
    const plan = await admin.post('/api/v1/response-plans', {
      name: '持械抢劫',
      category: 'criminal',
      priority: 2,
      scheme: '5-10-30',
      units: [
        { kind: 'patrol_car', count: 2, tier: 2 },
        { kind: 'swat', count: 1, tier: 2 },
      ],
      notify: [],
    });
    expect(plan.status).toBe(201);
    const calltaker = await login(base, 'calltaker', 'calltaker-password');
    const created = await calltaker.post('/api/v1/incidents', {
      location: SEALING_ORIGIN,
      category: 'criminal',
      priority: 2,
      address: '四条大道交汇处',
    });
    expect(created.status).toBe(201);
    incidentId = created.body.incident.id;
    // the two fastest patrol cars: U2 (2 km) and U4 (5 km); F1 walks
    expect(created.body.plan).toMatchObject({
      planId: plan.body.id,
      missing: [{ kind: 'swat', count: 1 }],
    });
    proposedIds = created.body.plan.proposed.map((p: { unitId: string }) => p.unitId);
    expect(proposedIds).toEqual([unit.U2, unit.U4]);
    pc = await launchBrowser();
  });

  afterAll(async () => {
    await pc?.close();
    await world?.close();
  });

  it('dispatcher opens the incident and sees the plan’s proposal', async () => {
    dispatcher = await openSeat(pc, base, 'dispatcher');
    const page = dispatcher.page;
    // not a demo system: the training simulator's switch is not in the top bar
    await until(
      () => page.locator('#training-switch .training-state').textContent(),
      (text) => Boolean(text),
    );
    expect(await page.locator('#training-switch').isVisible()).toBe(false);
    await page.locator(`.queue-item[data-incident-id="${incidentId}"]`).click();
    await page.locator('#incident-detail').waitFor();
    for (const id of proposedIds)
      await page.locator(`#command-panel .plan-proposed li[data-unit-id="${id}"]`).waitFor();
    await waitText(page, '#command-panel .plan-missing', `${UNIT_KIND_LABELS.swat.zh} × 1`);
    await waitText(page, '#plan-confirm', '× 2');
    await waitForMapIdle(page);
    await scrollTo(page, '#command-panel');
    await shot(page, 'command-01-plan-proposed');
  });

  it('one action confirms the proposal: exactly the proposed units are assigned', async () => {
    const page = dispatcher.page;
    // a double click must not send the next free cars as well
    await page.locator('#plan-confirm').dblclick();
    const assigned = await until(
      () => assignmentsOf(incidentId),
      (as) => as.length >= 2,
      15_000,
    );
    expect(assigned.map((a) => a.unitId).sort()).toEqual([...proposedIds].sort());
    expect(assigned.every((a) => a.status === 'assigned' && a.role === 'primary')).toBe(true);
    for (const id of proposedIds)
      await page
        .locator(`.assignment[data-unit-id="${id}"][data-status="assigned"]`)
        .waitFor({ timeout: 10_000 });
    // the plan now reads as met for its cars; only the SWAT team is still missing
    await waitText(page, '#plan-working', 'U2');
    await waitText(page, '#plan-working', 'U4');
    expect(await page.locator('#plan-confirm').count()).toBe(0);
    await waitText(page, '#command-panel .plan-missing', `${UNIT_KIND_LABELS.swat.zh} × 1`);
    await waitText(page, `.queue-item[data-incident-id="${incidentId}"] .badge`, '已派');
    // and on the map the two cars turn to "assigned" (the source's data: U4 is off screen here)
    await until(
      () =>
        page.evaluate(async (ids: string[]) => {
          const data = await (globalThis as any).__ringcad.map.getSource('units').getData();
          return (data.features as { properties: { id: string; status: string } }[])
            .filter((f) => ids.includes(f.properties.id) && f.properties.status === 'assigned')
            .map((f) => f.properties.id);
        }, proposedIds),
      (ids) => ids.length === 2,
    );
    // nothing more was assigned while the page settled
    expect((await assignmentsOf(incidentId)).length).toBe(2);
    await waitForMapIdle(page);
    await scrollTo(page, '#command-panel');
    await shot(page, 'command-02-plan-confirmed');
  });

  it('the sealing view draws the 10/20-minute rings, their checkpoints and open exits', async () => {
    const page = dispatcher.page;
    await waitForMapIdle(page);
    // the map at the incident holds nothing in the outer ring's colour yet
    expect(await colourPixels(page, OUTER_RING)).toBeLessThan(20);
    await page.locator('#sealing-toggle').click();
    await page.locator('#sealing li[data-checkpoint-id]').first().waitFor({ timeout: 15_000 });
    const sealing = (await dispatcherApi.get(`/api/v1/incidents/${incidentId}/sealing`))
      .body as Sealing;
    expect(sealing.tiers.map((t) => t.sec)).toEqual([600, 1200]);
    expect(sealing.tiers.map((t) => t.checkpoints.map((c) => c.name))).toEqual([
      ['E1', 'N1'],
      ['W1', 'S1'],
    ]);
    const checkpoints = sealing.tiers.flatMap((t) => t.checkpoints);
    // the panel lists the same checkpoints with the same verdicts, per ring
    expect(await page.locator('#sealing .sealing-tier').count()).toBe(2);
    for (const c of checkpoints) {
      const li = page.locator(`#sealing li[data-checkpoint-id="${c.checkpointId}"]`);
      expect(await li.getAttribute('class')).toBe(c.sealable ? 'sealable' : 'not-sealable');
      expect(await li.textContent()).toContain(c.name);
    }
    // U1 is 80 s from E1 while the vehicle needs 400 s; U4, N1's car, is out on the plan now
    expect(checkpoints.find((c) => c.name === 'E1')).toMatchObject({
      sealable: true,
      bestUnit: { unitId: unit.U1 },
    });
    expect(checkpoints.every((c) => !proposedIds.includes(c.bestUnit?.unitId ?? ''))).toBe(true);

    // on the map: both rings, every checkpoint, the open exits; the view frames the rings
    await waitForMapIdle(page);
    const onMap = await until(
      () => sealingOnMap(page),
      (m) =>
        m.boundaryTiers.length === 2 && Object.keys(m.checkpoints).length === checkpoints.length,
    );
    expect(onMap.boundaryTiers).toEqual([0, 1]);
    expect(Object.keys(onMap.checkpoints).sort()).toEqual(
      checkpoints.map((c) => c.checkpointId).sort(),
    );
    expect(onMap.crossings).toBeGreaterThan(0);
    // pixels: the outer ring's colour is drawn where its boundary lies
    const outer = sealing.tiers[1].boundary;
    expect(outer).not.toBeNull();
    const at = await colourAt(page, ringSample(outer!, 48), OUTER_RING);
    expect(at.onScreen).toBeGreaterThanOrEqual(10);
    expect(at.hit / at.onScreen).toBeGreaterThanOrEqual(0.7);
    expect(await colourPixels(page, OUTER_RING)).toBeGreaterThan(200);
    await scrollTo(page, '#sealing');
    await shot(page, 'command-03-sealing');
  });

  it('one confirmed action mans every sealable checkpoint; they show as manned', async () => {
    const page = dispatcher.page;
    const before = (await dispatcherApi.get(`/api/v1/incidents/${incidentId}/sealing`))
      .body as Sealing;
    const toMan = before.tiers
      .flatMap((t) => t.checkpoints)
      .filter((c) => c.sealable && c.bestUnit);
    expect(toMan.length).toBeGreaterThan(0);
    await waitText(page, '#sealing-dispatch', `× ${toMan.length}`);
    // a mass action asks first, with the count; a double click opens the question once and sends nobody
    await page.locator('#sealing-dispatch').dblclick();
    await page.locator('#sealing-confirm').waitFor();
    expect(
      await assignmentsOf(incidentId).then(
        (as) => as.filter((a) => a.role === 'checkpoint').length,
      ),
    ).toBe(0);
    await page.keyboard.press('Enter');
    const assigned = await until(
      () => assignmentsOf(incidentId),
      (as) => as.filter((a) => a.role === 'checkpoint').length >= toMan.length,
      15_000,
    );
    const atCheckpoints = assigned.filter((a) => a.role === 'checkpoint');
    expect(atCheckpoints.map((a) => a.unitId).sort()).toEqual(
      toMan.map((c) => c.bestUnit!.unitId).sort(),
    );
    for (const c of toMan) {
      await page
        .locator(`#sealing li.manned[data-checkpoint-id="${c.checkpointId}"]`)
        .waitFor({ timeout: 10_000 });
      await waitText(
        page,
        `#sealing li[data-checkpoint-id="${c.checkpointId}"]`,
        c.bestUnit!.callsign,
      );
      await page
        .locator(`.assignment[data-unit-id="${c.bestUnit!.unitId}"][data-role="checkpoint"]`)
        .waitFor();
    }
    // nothing left that a free unit could still seal in time: the button offers nothing more
    const after = (await dispatcherApi.get(`/api/v1/incidents/${incidentId}/sealing`))
      .body as Sealing;
    const manned = new Set(toMan.map((c) => c.checkpointId));
    const stillSealable = after.tiers
      .flatMap((t) => t.checkpoints)
      .filter((c) => c.sealable && c.bestUnit && !manned.has(c.checkpointId));
    await waitText(page, '#sealing-dispatch', `× ${stillSealable.length}`);
    // the map marks the manned checkpoints
    const onMap = await until(
      () => sealingOnMap(page),
      (m) => toMan.every((c) => m.checkpoints[c.checkpointId]),
    );
    expect(Object.entries(onMap.checkpoints).filter(([, isManned]) => isManned).length).toBe(
      toMan.length,
    );
    // checkpoint units are not at the scene: the plan's cars are still the whole of it
    expect((await page.locator('#plan-working').textContent()) ?? '').not.toContain(
      toMan[0].bestUnit!.callsign,
    );
    expect((await assignmentsOf(incidentId)).length).toBe(2 + toMan.length);
    await waitForMapIdle(page);
    await scrollTo(page, '#sealing');
    await shot(page, 'command-04-checkpoints-manned');
  });

  it('stayed offline and error-free throughout', async () => {
    expect(dispatcher.external).toEqual([]);
    expect(await mapErrors(dispatcher.page)).toEqual([]);
    expect(dispatcher.problems).toEqual([]);
  });
});
