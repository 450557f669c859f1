import { sql } from 'kysely';
import { DatabaseService, PositionsService } from '@ringcad/core';
import { decodePositionFrame } from '@ringcad/domain';
import { buildWorld, INCIDENT_POINT, rebind, type World } from '../support/fixtures';
import { connectSocket, createStack, SERVICES_MODE, sleep, type Stack } from '../support/harness';

const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

describe(`AVL positions (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let base: string;

  const trackCount = async (unitIds?: string[]) => {
    const db = stack.api().app.get(DatabaseService).db;
    const filter = unitIds ? sql`WHERE unit_id = ANY(${unitIds}::uuid[])` : sql``;
    const r = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM unit_tracks ${filter}`.execute(db);
    return r.rows[0].n;
  };
  const waitFor = async (pred: () => Promise<boolean>, ms = 20_000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await pred()) return;
      await sleep(100);
    }
    throw new Error('condition not reached');
  };

  beforeAll(async () => {
    stack = await createStack();
    base = (await stack.startApi()).url;
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(base, 6);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('stores an accepted position in the database before answering, with no processor running', async () => {
    const ids = world.units.map((u) => u.id);
    await waitFor(async () => (await trackCount(ids)) === ids.length); // the world's first fixes
    const before = await trackCount(ids);
    if (SERVICES_MODE) await stack.stopWorker(); // no process runs processors now
    const batches = 3;
    const perUnit = 200;
    let sent = 0;
    for (let b = 0; b < batches; b++) {
      const positions = [];
      for (const u of world.units) {
        for (let k = 0; k < perUnit; k++) {
          // a slow drift north, one fix per 100 ms, newer than the world's first fix (terminal
          // clocks may run up to 5 min ahead)
          const msAgo = -1000 - (b * perUnit + k) * 100;
          positions.push({
            unitId: u.id,
            lon: u.lon,
            lat: u.lat + (b * perUnit + k) * 1e-6,
            at: iso(msAgo),
          });
        }
      }
      const r = await world.admin.post('/api/v1/units/positions', { positions });
      expect(r.status).toBe(202);
      expect(r.body.accepted).toBe(positions.length);
      sent += positions.length;
      // accepted means stored: a Redis that keeps nothing, or any process dying now, loses none
      expect(await trackCount(ids)).toBe(before + sent);
    }
    // live state moved at once
    const units = await world.dispatcher.get('/api/v1/units');
    const u0 = units.body.find((u: { id: string }) => u.id === world.units[0].id);
    expect(u0.position.lat).toBeCloseTo(world.units[0].lat + (batches * perUnit - 1) * 1e-6, 7);
    if (SERVICES_MODE) await stack.startWorker();
    else {
      // embedded: a restart of the one process keeps every stored report
      await stack.stopApi();
      base = (await stack.startApi()).url;
      rebind(world, base);
    }
    expect(await trackCount(ids)).toBe(before + sent);
  });

  it('persists idempotently: a retried batch adds nothing twice', async () => {
    const svc = stack.api().app.get(PositionsService);
    const u = world.units[1];
    const job = {
      batchId: 'retry-test',
      receivedAt: new Date().toISOString(),
      rows: [1, 2, 3].map((k) => ({
        u: u.id,
        at: iso(60_000 + k * 1000),
        x: u.lon,
        y: u.lat,
        s: null,
        h: null,
        f: 0,
      })),
    };
    expect((await svc.persist(job)).inserted).toBe(3);
    expect((await svc.persist(job)).inserted).toBe(0);
  });

  it('a batch sent again, whole or in part, is accepted and stores only what was not there', async () => {
    const u = world.units[2];
    const t0 = Date.now() - 120_000;
    const fix = (k: number) => ({
      unitId: u.id,
      lon: u.lon + k * 1e-6,
      lat: u.lat,
      speedKmh: 12.34,
      at: new Date(t0 + k * 1000).toISOString(),
    });
    const before = await trackCount([u.id]);
    const first = [1, 2, 3].map(fix);
    expect((await world.admin.post('/api/v1/units/positions', { positions: first })).status).toBe(
      202,
    );
    expect(await trackCount([u.id])).toBe(before + 3);
    // the same batch again (a sender that never saw the answer), then one overlapping it
    expect((await world.admin.post('/api/v1/units/positions', { positions: first })).status).toBe(
      202,
    );
    expect(await trackCount([u.id])).toBe(before + 3);
    const overlap = [2, 3, 4, 5].map(fix);
    expect((await world.admin.post('/api/v1/units/positions', { positions: overlap })).status).toBe(
      202,
    );
    expect(await trackCount([u.id])).toBe(before + 5);
    // stored exactly as sent: the longitude to the bit, the speed as a real
    const db = stack.api().app.get(DatabaseService).db;
    const rows = await sql<{ lon: number; speed: number; same: boolean }>`
      SELECT lon, speed_kmh AS speed, speed_kmh = 12.34::real AS same FROM unit_tracks
      WHERE unit_id = ${u.id}::uuid AND at = ${fix(5).at}::timestamptz`.execute(db);
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0].lon).toBe(fix(5).lon);
    expect(rows.rows[0].same).toBe(true);
  });

  it('stores tracks in the day partition', async () => {
    const db = stack.api().app.get(DatabaseService).db;
    const r = await sql<{
      part: string;
    }>`SELECT DISTINCT tableoid::regclass::text AS part FROM unit_tracks WHERE at > now() - interval '1 hour'`.execute(
      db,
    );
    expect(r.rows.map((x) => x.part).every((p) => /^unit_tracks_\d{8}$/.test(p))).toBe(true);
  });

  it('flags stale positions and keeps them out of the recommendation', async () => {
    const u = world.units[2];
    const r = await world.admin.post('/api/v1/units/positions', {
      positions: [{ unitId: u.id, lon: u.lon, lat: u.lat, at: iso(600_000) }],
    });
    expect(r.status).toBe(202);
    // a 10-minute-old fix does not replace a newer one; make this unit's newest fix old instead
    const t = await world.admin.post('/api/v1/units', { callsign: '川A-旧01', kind: 'patrol_car' });
    const stale = t.body.unit.id;
    await world.admin.post('/api/v1/units/positions', {
      positions: [
        { unitId: stale, lon: INCIDENT_POINT.lon, lat: INCIDENT_POINT.lat, at: iso(120_000) },
      ],
    });
    await world.admin.post(`/api/v1/units/${stale}/status`, { status: 'available' });
    const units = await world.dispatcher.get('/api/v1/units');
    expect(units.body.find((x: { id: string }) => x.id === stale).position.stale).toBe(true);
    expect(units.body.find((x: { id: string }) => x.id === u.id).position.stale).toBe(false);
    const inc = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'other',
      priority: 3,
    });
    const rec = inc.body.recommendation;
    expect(rec.candidates.map((c: { unitId: string }) => c.unitId)).not.toContain(stale);
    expect(rec.excluded).toContainEqual(
      expect.objectContaining({ unitId: stale, reason: 'stale_position' }),
    );
    await world.dispatcher.post(`/api/v1/incidents/${inc.body.incident.id}/cancel`, {
      reason: 'test',
    });
  });

  it('flags a physically impossible jump and does not trust it', async () => {
    const created = await world.admin.post('/api/v1/units', {
      callsign: '川A-跳01',
      kind: 'patrol_car',
    });
    const u = {
      id: created.body.unit.id as string,
      lon: INCIDENT_POINT.lon,
      lat: INCIDENT_POINT.lat,
    };
    const start = { unitId: u.id, lon: u.lon, lat: u.lat, at: iso(3000) };
    expect((await world.admin.post('/api/v1/units/positions', { positions: [start] })).status).toBe(
      202,
    );
    // 50 km east two seconds later: 90,000 km/h
    const jump = await world.admin.post('/api/v1/units/positions', {
      positions: [{ ...start, lon: u.lon + 0.5, at: iso(1000) }],
    });
    expect(jump.status).toBe(202);
    expect(jump.body.flagged).toBe(1);
    const units = await world.dispatcher.get('/api/v1/units');
    expect(units.body.find((x: { id: string }) => x.id === u.id).position.lon).toBeCloseTo(
      u.lon,
      6,
    );
    // a plausible next fix is trusted again
    const ok = await world.admin.post('/api/v1/units/positions', {
      positions: [{ ...start, lat: u.lat + 0.0001, at: iso(0) }],
    });
    expect(ok.body.flagged).toBe(0);
    const db = stack.api().app.get(DatabaseService).db;
    await waitFor(async () => {
      const r = await sql<{
        flags: number;
      }>`SELECT flags FROM unit_tracks WHERE unit_id = ${u.id} AND lon > ${u.lon + 0.4}`.execute(
        db,
      );
      return r.rows.length === 1 && r.rows[0].flags === 1;
    });
  });

  it('sends consoles at most about one positions message a second, with only the units that moved', async () => {
    const c = await connectSocket(base, '/console', world.tokens.dispatcher);
    await c.waitFor((e) => e.event === 'sync');
    await sleep(1200); // let any earlier batch go out
    const from = c.events.length;
    const movers = world.units.slice(0, 2);
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) {
      const positions = movers.map((u) => ({
        unitId: u.id,
        lon: u.lon + i * 1e-5,
        lat: u.lat + 0.001,
        at: new Date().toISOString(),
      }));
      expect((await world.admin.post('/api/v1/units/positions', { positions })).status).toBe(202);
      await sleep(100);
    }
    await sleep(2200);
    const elapsed = (Date.now() - t0) / 1000;
    const msgs = c.events.slice(from).filter((e) => e.event === 'units.positions');
    expect(msgs.length).toBeGreaterThanOrEqual(1);
    expect(msgs.length).toBeLessThanOrEqual(Math.ceil(elapsed) + 1);
    const seen = new Set(msgs.flatMap((m) => m.payload.map((p: { unitId: string }) => p.unitId)));
    expect([...seen].sort()).toEqual(movers.map((u) => u.id).sort());
    const last = msgs[msgs.length - 1].payload.find(
      (p: { unitId: string }) => p.unitId === movers[0].id,
    );
    expect(last.lon).toBeCloseTo(movers[0].lon + 9e-5, 7);
    c.close();
  });

  it('sends packed binary frames to consoles that ask for them, to scoped consoles too, with the same positions', async () => {
    const r = await world.admin.post('/api/v1/users', {
      username: 'scoped-packed',
      password: 'scoped-password',
      roles: ['dispatcher'],
      jurisdictionId: world.districtId,
    });
    expect(r.status).toBe(201);
    const login = await world.admin.post('/api/v1/auth/login', {
      username: 'scoped-packed',
      password: 'scoped-password',
    });
    const json = await connectSocket(base, '/console', world.tokens.dispatcher);
    const packed = await connectSocket(base, '/console', login.body.accessToken, {
      positions: 'packed',
    });
    const sync = (await packed.waitFor((e) => e.event === 'sync')).payload as {
      units: { id: string; num: number }[];
    };
    await json.waitFor((e) => e.event === 'sync');
    const byNum = new Map(sync.units.map((u) => [u.num, u.id]));
    expect(byNum.size).toBe(sync.units.length); // every unit has its own number
    await sleep(1200);
    const [jsonFrom, packedFrom] = [json.events.length, packed.events.length];
    const movers = world.units.slice(2, 5);
    const at = new Date().toISOString();
    const positions = movers.map((u, i) => ({
      unitId: u.id,
      lon: u.lon + 0.0012345 * (i + 1),
      lat: u.lat - 0.0006789,
      at,
    }));
    expect((await world.admin.post('/api/v1/units/positions', { positions })).status).toBe(202);
    const seen = new Map<string, { lon: number; lat: number; at: string }>();
    const deadline = Date.now() + 10_000;
    while (seen.size < movers.length && Date.now() < deadline) {
      await sleep(200);
      seen.clear();
      for (const e of packed.events.slice(packedFrom)) {
        expect(e.event).not.toBe('units.positions'); // one format per console
        if (e.event !== 'units.positions.packed') continue;
        decodePositionFrame(e.payload as Buffer, (num, lon, lat, atMs) => {
          const id = byNum.get(num);
          if (id && movers.some((m) => m.id === id))
            seen.set(id, { lon, lat, at: new Date(atMs).toISOString() });
        });
      }
    }
    for (const p of positions) {
      const got = seen.get(p.unitId);
      expect(got).toBeDefined();
      expect(got?.lon).toBeCloseTo(p.lon, 6);
      expect(got?.lat).toBeCloseTo(p.lat, 6);
      expect(got?.at).toBe(p.at);
    }
    // the JSON console got the same batch in the contract's shape, and no packed frames
    await json.waitFor(
      (e) =>
        e.event === 'units.positions' &&
        e.payload.some((x: { unitId: string }) => x.unitId === movers[0].id),
    );
    expect(json.events.slice(jsonFrom).some((e) => e.event === 'units.positions.packed')).toBe(
      false,
    );
    json.close();
    packed.close();
  });
});
