import { Client } from 'pg';
import { loadConfig } from '@ringcad/core';
import { createWorkerApp } from '../../apps/worker/src/worker-app';
import { buildWorld, INCIDENT_POINT, rebind, type World } from '../support/fixtures';
import {
  ADMIN_PASSWORD,
  client,
  connectSocket,
  createStack,
  login,
  SERVICES_MODE,
  sleep,
  type Recorder,
  type Stack,
} from '../support/harness';
import { TestClock } from '../support/test-clock';

/** The outbox polls every 2 s: waiting longer than that shows a second push if there is one. */
const SETTLE_MS = 4500;
/** A pending timer fires once it is this late (the sweeper's grace); sweeps run every 0.2 s here. */
const GRACE_MS = 5_000;
const TIMERS = { ACK_TIMEOUT_P1_SEC: '60', TIMER_SWEEP_SEC: '0.2' };
/** Incidents whose timers come due while nothing runs them. */
const INCIDENTS = 30;

/** A second district east of the fixtures' one, with a dispatcher scoped to it. */
const OTHER_DISTRICT = {
  type: 'Polygon' as const,
  coordinates: [
    [
      [104.2, 30.63],
      [104.28, 30.63],
      [104.28, 30.71],
      [104.2, 30.71],
      [104.2, 30.63],
    ],
  ],
};

/** P1 incidents, each with one unit assigned that never acknowledges. */
async function unackedAssignments(world: World, n: number, firstUnit = 0): Promise<string[]> {
  const incidents: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'public_order',
      priority: 1,
    });
    expect(r.status).toBe(201);
    const a = await world.dispatcher.post(`/api/v1/incidents/${r.body.incident.id}/assignments`, {
      unitIds: [world.units[firstUnit + i].id],
    });
    expect(a.status).toBe(201);
    incidents.push(r.body.incident.id);
  }
  return incidents;
}

const alertsOf = (rec: Recorder, incidents: string[]) =>
  rec.events.filter((e) => e.event === 'alert' && incidents.includes(e.payload.incidentId));
const ackAlertsOf = (rec: Recorder, incidents: string[]) =>
  rec.events.filter(
    (e) =>
      e.event === 'alert' &&
      e.payload.kind === 'ack_overdue' &&
      incidents.includes(e.payload.incidentId),
  );

const syncOf = async (base: string, token: string) => {
  const rec = await connectSocket(base, '/console', token);
  const sync = await rec.waitFor((e) => e.event === 'sync');
  rec.close();
  return sync.payload as { alerts: { id: string; incidentId: string | null; kind: string }[] };
};

async function scopedDispatcher(world: World, base: string, username: string): Promise<string> {
  const d = await world.admin.post('/api/v1/jurisdictions', {
    name: `东区-${username}`,
    kind: 'district',
    boundary: OTHER_DISTRICT,
  });
  expect(d.status).toBe(201);
  const u = await world.admin.post('/api/v1/users', {
    username,
    password: `${username}-password`,
    roles: ['dispatcher'],
    jurisdictionId: d.body.id,
  });
  expect(u.status).toBe(201);
  const r = await client(base).post('/api/v1/auth/login', {
    username,
    password: `${username}-password`,
  });
  expect(r.status).toBe(200);
  return r.body.accessToken as string;
}

const describeServices = SERVICES_MODE ? describe : describe.skip;
const describeEmbedded = SERVICES_MODE ? describe.skip : describe;

describeServices('alert delivery when the worker starts with due timers (services mode)', () => {
  let stack: Stack;
  let world: World;
  let base: string;

  // the api and the worker share an injected clock: the deadlines (ack 60 s, tiers 5-10-30 min)
  // are reached by moving it
  const clock = new TestClock();

  beforeAll(async () => {
    // a hundred timers come due while the worker is stopped, as when it is down for a while
    stack = await createStack(TIMERS, { clock });
    base = (await stack.startApi()).url;
    world = await buildWorld(base, INCIDENTS + 2);
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('pushes every alert that came due while the worker was stopped, once, to the consoles of its jurisdiction', async () => {
    const otherToken = await scopedDispatcher(world, base, 'east-dispatcher');
    const watching = await connectSocket(base, '/console', world.tokens.dispatcher);
    const elsewhere = await connectSocket(base, '/console', otherToken);
    await watching.waitFor((e) => e.event === 'sync');
    const incidents = await unackedAssignments(world, INCIDENTS);
    // the ack deadlines and the first two ring tiers pass while no process runs the timers
    clock.advance(10 * 60_000 + GRACE_MS + 1_000);
    await sleep(1_000);
    expect(alertsOf(watching, incidents)).toHaveLength(0);

    await stack.startWorker();
    // the last tier (30 min after dispatch) comes due with the worker running; then every alert is in
    const expected = async () => {
      const ids: string[] = [];
      for (const id of incidents) {
        const tl = await world.dispatcher.get(`/api/v1/incidents/${id}/timeline`);
        for (const e of tl.body.events as { type: string; data: { alertId: string } }[])
          if (e.type.startsWith('alert.')) ids.push(e.data.alertId);
      }
      return ids;
    };
    clock.advance(20 * 60_000);
    // (a loaded CI machine took longer than 30 s to run the hundred-odd due timers once)
    const until = Date.now() + 60_000;
    while ((await expected()).length < incidents.length * 4 && Date.now() < until) await sleep(250);
    await sleep(1_000);
    const raised = await expected();
    // one ack_overdue and three tier_missed per incident: none is lost
    expect(raised).toHaveLength(incidents.length * 4);
    const deadline = Date.now() + 20_000;
    while (alertsOf(watching, incidents).length < raised.length && Date.now() < deadline)
      await sleep(100);
    await sleep(SETTLE_MS);
    const ids = alertsOf(watching, incidents).map((e) => e.payload.id as string);
    // exactly once each
    expect([...ids].sort()).toEqual([...raised].sort());
    // another district's console gets none of them, live or in its snapshot
    expect(alertsOf(elsewhere, incidents)).toHaveLength(0);
    expect(
      (await syncOf(base, otherToken)).alerts.filter((a) => incidents.includes(a.incidentId ?? '')),
    ).toHaveLength(0);

    // a console connecting later gets each unacknowledged alert in its snapshot, once
    const later = (await syncOf(base, world.tokens.commander)).alerts.filter((a) =>
      incidents.includes(a.incidentId ?? ''),
    );
    expect(later.map((a) => a.id).sort()).toEqual([...raised].sort());
    watching.close();
    elsewhere.close();
  }, 120_000);

  it('delivers an alert committed by a process that died before pushing it, once, with two api instances and the worker running', async () => {
    await stack.startApi(1);
    const second = stack.api(1).url;
    const onFirst = await connectSocket(base, '/console', world.tokens.dispatcher);
    const onSecond = await connectSocket(second, '/console', world.tokens.commander);
    await onFirst.waitFor((e) => e.event === 'sync');
    await onSecond.waitFor((e) => e.event === 'sync');
    const [incidentId] = await unackedAssignments(world, 1, INCIDENTS);
    // what a crash between the commit and the push leaves: the row, never pushed
    const db = new Client({ connectionString: stack.config.DATABASE_URL });
    await db.connect();
    let alertId: string;
    try {
      const r = await db.query<{ id: string }>(
        `INSERT INTO alerts (kind, incident_id, unit_id, at, data) VALUES ('ack_overdue', $1, $2, now(), '{"orphan": true}') RETURNING id`,
        [incidentId, world.units[INCIDENTS].id],
      );
      alertId = r.rows[0].id;
    } finally {
      await db.end();
    }
    const first = await onFirst.waitFor(
      (e) => e.event === 'alert' && e.payload.id === alertId,
      10_000,
    );
    expect(first.payload).toMatchObject({
      incidentId,
      kind: 'ack_overdue',
      data: { orphan: true },
    });
    await onSecond.waitFor((e) => e.event === 'alert' && e.payload.id === alertId, 10_000);
    await sleep(SETTLE_MS);
    // three processes poll the outbox; each console still sees it once
    expect(
      onFirst.events.filter((e) => e.event === 'alert' && e.payload.id === alertId),
    ).toHaveLength(1);
    expect(
      onSecond.events.filter((e) => e.event === 'alert' && e.payload.id === alertId),
    ).toHaveLength(1);
    onFirst.close();
    onSecond.close();
    await stack.stopApi(1);
  }, 60_000);

  it('writes only JSON lines on stdout with LOG_FORMAT=json', async () => {
    await stack.stopWorker();
    const config = loadConfig({
      DATABASE_URL: stack.config.DATABASE_URL as string,
      REDIS_URL: stack.config.REDIS_URL as string,
      REDIS_PREFIX: stack.config.REDIS_PREFIX,
      ADMIN_PASSWORD,
      LOG_FORMAT: 'json',
    });
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(
        ...String(chunk)
          .split('\n')
          .filter((l) => l.length),
      );
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    };
    try {
      const app = await createWorkerApp(config);
      await app.close();
    } finally {
      process.stdout.write = write;
    }
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) {
      // Nest's own JSON lines
      const parsed = JSON.parse(line) as {
        level: string;
        message: unknown;
        timestamp: number;
        pid: number;
      };
      expect(parsed).toMatchObject({
        level: expect.any(String),
        timestamp: expect.any(Number),
        pid: process.pid,
      });
    }
    expect(lines.some((l) => l.includes('RoutesResolver') || l.includes('InstanceLoader'))).toBe(
      true,
    );
  }, 60_000);
});

describeEmbedded('alert delivery when the api restarts with due timers (embedded mode)', () => {
  let stack: Stack;
  let world: World;
  let base: string;
  const clock = new TestClock();

  beforeAll(async () => {
    stack = await createStack(TIMERS, { clock });
    base = (await stack.startApi()).url;
    world = await buildWorld(base, 6);
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('raises the alerts that came due while it was down and gives each to a console once', async () => {
    const incidents = await unackedAssignments(world, 5);
    await stack.stopApi();
    clock.advance(60_000 + GRACE_MS + 1_000);
    base = (await stack.startApi()).url;
    rebind(world, base);
    const first = await connectSocket(base, '/console', world.tokens.dispatcher);
    const sync = await first.waitFor((e) => e.event === 'sync');
    // raised while the api started (then in the snapshot) or just after (then pushed live)
    const seen = () => [
      ...(sync.payload.alerts as { id: string; incidentId: string }[]).filter((a) =>
        incidents.includes(a.incidentId),
      ),
      ...ackAlertsOf(first, incidents).map((e) => e.payload as { id: string; incidentId: string }),
    ];
    const deadline = Date.now() + 20_000;
    while (
      new Set(seen().map((a) => a.incidentId)).size < incidents.length &&
      Date.now() < deadline
    )
      await sleep(100);
    await sleep(SETTLE_MS);
    expect(new Set(seen().map((a) => a.incidentId))).toEqual(new Set(incidents));
    const live = ackAlertsOf(first, incidents).map((e) => e.payload.id as string);
    expect(new Set(live).size).toBe(live.length);
    // one alert per timer, as the timeline recorded it
    for (const id of incidents) {
      const tl = await world.dispatcher.get(`/api/v1/incidents/${id}/timeline`);
      expect(
        tl.body.events.filter((e: { type: string }) => e.type === 'alert.ack_overdue'),
      ).toHaveLength(1);
    }
    const later = (await syncOf(base, world.tokens.commander)).alerts.filter((a) =>
      incidents.includes(a.incidentId ?? ''),
    );
    expect(later).toHaveLength(incidents.length);
    expect(new Set(later.map((a) => a.id)).size).toBe(incidents.length);
    first.close();

    // acknowledged alerts leave the snapshot
    const commander = await login(base, 'commander', 'commander-password');
    for (const a of later)
      expect((await commander.post(`/api/v1/alerts/${a.id}/ack`)).status).toBe(200);
    expect(
      (await syncOf(base, world.tokens.dispatcher)).alerts.filter((a) =>
        incidents.includes(a.incidentId ?? ''),
      ),
    ).toHaveLength(0);
  }, 90_000);
});
