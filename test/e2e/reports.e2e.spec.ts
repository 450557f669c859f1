import { sql } from 'kysely';
import { DatabaseService } from '@ringcad/core';
import { mulberry32 } from '@ringcad/routing';
import {
  computeIncidentMetrics,
  findScheme,
  INCIDENT_CATEGORIES,
  type UnitKind,
} from '@ringcad/domain';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import { createStack, SERVICES_MODE, type Stack } from '../support/harness';

/** percentile_cont: linear interpolation between the closest ranks. */
function percentileCont(values: number[], p: number): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const pos = p * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

interface GenAssignment {
  unitId: string;
  unitKind: UnitKind;
  status: string;
  assignedAt: Date;
  ackedAt: Date | null;
  departedAt: Date | null;
  arrivedAt: Date | null;
  clearedAt: Date | null;
  declinedAt: Date | null;
  cancelledAt: Date | null;
}
interface GenIncident {
  id: string;
  districtId: string;
  category: string;
  priority: 1 | 2 | 3;
  receivedAt: Date;
  createdAt: Date;
  assignments: GenAssignment[];
}

const BASE = Date.parse('2026-01-05T00:00:00Z');
const SPAN_MS = 2 * 86_400_000;
const FROM = new Date(BASE).toISOString();
const TO = new Date(BASE + SPAN_MS).toISOString();
const cstHour = (d: Date) =>
  String(new Date(d.getTime() + 8 * 3600_000).getUTCHours()).padStart(2, '0');
const cstDay = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
const secs = (a: Date, b: Date) => (b.getTime() - a.getTime()) / 1000;

describe(`response-time reports (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let base: string;
  let units: { id: string; kind: UnitKind }[];
  let district2: string;
  const generated: GenIncident[] = [];

  beforeAll(async () => {
    stack = await createStack();
    base = (await stack.startApi()).url;
    world = await buildWorld(base);
    const d2 = await world.admin.post('/api/v1/jurisdictions', {
      name: '青羊区',
      kind: 'district',
      boundary: {
        type: 'Polygon',
        coordinates: [
          [
            [103.95, 30.63],
            [104.03, 30.63],
            [104.03, 30.71],
            [103.95, 30.71],
            [103.95, 30.63],
          ],
        ],
      },
    });
    district2 = d2.body.id;
    const extra = [];
    for (const [callsign, kind] of [
      ['川A-岗01', 'kiosk'],
      ['川A-步02', 'foot'],
    ] as const) {
      const r = await world.admin.post('/api/v1/units', { callsign, kind });
      extra.push({ id: r.body.unit.id as string, kind });
    }
    units = [...world.units.map((u) => ({ id: u.id, kind: u.kind as UnitKind })), ...extra];

    // Test setup: 240 incidents with known timestamps written straight into the tables (the
    // clock is real, so the API cannot be driven two days into the past).
    const random = mulberry32(110); // deterministic, so a failure can be reproduced
    const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    const at = (ms: number) => new Date(Math.round(ms / 1000) * 1000);
    const db = stack.api().app.get(DatabaseService).db;
    for (let n = 0; n < 240; n++) {
      const createdAt = at(BASE + random() * SPAN_MS);
      const inc: GenIncident = {
        id: '',
        districtId: n % 3 === 0 ? district2 : world.districtId,
        category: INCIDENT_CATEGORIES[int(0, INCIDENT_CATEGORIES.length - 1)],
        priority: int(1, 3) as 1 | 2 | 3,
        receivedAt: new Date(createdAt.getTime() - int(5, 60) * 1000),
        createdAt,
        assignments: [],
      };
      const dispatched = random() > 0.1;
      if (dispatched) {
        const first = createdAt.getTime() + int(5, 300) * 1000;
        const pool = [...units].sort(() => random() - 0.5).slice(0, int(1, 3));
        pool.forEach((u, k) => {
          const assignedAt = new Date(k === 0 ? first : first + int(0, 120) * 1000);
          const a: GenAssignment = {
            unitId: u.id,
            unitKind: u.kind,
            status: 'cancelled',
            assignedAt,
            ackedAt: null,
            departedAt: null,
            arrivedAt: null,
            clearedAt: null,
            declinedAt: null,
            cancelledAt: null,
          };
          if (random() < 0.1) {
            a.status = 'declined';
            a.declinedAt = new Date(assignedAt.getTime() + 10_000);
          } else {
            const r = random();
            let t = assignedAt.getTime();
            if (r > 0.2) a.ackedAt = new Date((t += int(3, 90) * 1000));
            if (r > 0.05) {
              a.departedAt = new Date((t += int(5, 60) * 1000));
              if (random() < 0.85) {
                a.arrivedAt = new Date((t += int(20, 700) * 1000));
                a.clearedAt = new Date((t += int(60, 2400) * 1000));
                a.status = 'cleared';
              }
            }
            if (a.status === 'cancelled') a.cancelledAt = new Date(t + 60_000);
          }
          inc.assignments.push(a);
        });
      }
      const row = await sql<{ id: string }>`
        INSERT INTO incidents (number, status, category, priority, scheme_id, location, district_id, received_at, created_at, version)
        VALUES (${`T-${n}`}, 'closed', ${inc.category}, ${inc.priority}, '1-3-8',
          ST_SetSRID(ST_MakePoint(${INCIDENT_POINT.lon}, ${INCIDENT_POINT.lat}), 4326), ${inc.districtId},
          ${inc.receivedAt}, ${inc.createdAt}, 1) RETURNING id`.execute(db);
      inc.id = row.rows[0].id;
      for (const a of inc.assignments) {
        await sql`
          INSERT INTO assignments (incident_id, unit_id, role, status, assigned_at, acked_at, departed_at, arrived_at, cleared_at, declined_at, cancelled_at)
          VALUES (${inc.id}, ${a.unitId}, 'primary', ${a.status}, ${a.assignedAt}, ${a.ackedAt}, ${a.departedAt}, ${a.arrivedAt},
            ${a.clearedAt}, ${a.declinedAt}, ${a.cancelledAt})`.execute(db);
      }
      generated.push(inc);
    }
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** The reference: the domain metrics of each incident (as the timeline computes them). */
  function expectedGroups(
    schemeId: string,
    keyOf: (i: GenIncident) => string,
    buckets = { ack: 30, depart: 300, clear: 1800 },
  ) {
    const scheme = findScheme(schemeId)!;
    const groups = new Map<string, ReturnType<typeof computeIncidentMetrics>[]>();
    for (const inc of generated) {
      const m = computeIncidentMetrics(
        {
          receivedAt: inc.receivedAt,
          createdAt: inc.createdAt,
          assignments: inc.assignments.filter((a) => a.status !== 'declined' || a.arrivedAt),
        },
        scheme,
      );
      const k = keyOf(inc);
      groups.set(k, [...(groups.get(k) ?? []), m]);
    }
    const out = new Map<string, Record<string, unknown>>();
    for (const [k, ms] of groups) {
      const dispatched = ms.filter((m) => m.dispatchSec !== null);
      const vals = (f: (m: (typeof ms)[number]) => number | null) =>
        ms.map(f).filter((v): v is number => v !== null);
      const pctOf = (n: number) => (dispatched.length ? (n / dispatched.length) * 100 : null);
      out.set(k, {
        incidents: ms.length,
        dispatched: dispatched.length,
        dispatchP50Sec: percentileCont(
          vals((m) => m.dispatchSec),
          0.5,
        ),
        dispatchP90Sec: percentileCont(
          vals((m) => m.dispatchSec),
          0.9,
        ),
        ackP50Sec: percentileCont(
          vals((m) => m.ackSec),
          0.5,
        ),
        ackP90Sec: percentileCont(
          vals((m) => m.ackSec),
          0.9,
        ),
        arriveP50Sec: percentileCont(
          vals((m) => m.firstArriveSec),
          0.5,
        ),
        arriveP90Sec: percentileCont(
          vals((m) => m.firstArriveSec),
          0.9,
        ),
        tierMetPct: scheme.tiers.map((_, i) =>
          pctOf(dispatched.filter((m) => m.tiersMet[i]).length),
        ),
        ackWithinPct: pctOf(vals((m) => m.ackSec).filter((v) => v <= buckets.ack).length),
        departWithinPct: pctOf(vals((m) => m.departSec).filter((v) => v <= buckets.depart).length),
        clearWithinPct: pctOf(vals((m) => m.clearSec).filter((v) => v <= buckets.clear).length),
      });
    }
    return out;
  }

  function expectMatches(
    actual: Record<string, unknown>[],
    expected: Map<string, Record<string, unknown>>,
  ) {
    expect(actual.map((g) => g.key).sort()).toEqual([...expected.keys()].sort());
    for (const g of actual) {
      const e = expected.get(g.key as string)!;
      for (const [field, value] of Object.entries(e)) {
        if (Array.isArray(value)) {
          const got = g[field] as (number | null)[];
          expect(got).toHaveLength(value.length);
          value.forEach((v, i) =>
            v === null ? expect(got[i]).toBeNull() : expect(got[i]).toBeCloseTo(v as number, 1),
          );
        } else if (value === null)
          expect({ key: g.key, field, value: g[field] }).toEqual({
            key: g.key,
            field,
            value: null,
          });
        else {
          // the report rounds to 0.01
          const got = g[field] as number;
          expect({
            key: g.key,
            field,
            value: Math.abs(got - (value as number)) < 0.006 ? value : got,
          }).toEqual({ key: g.key, field, value });
        }
      }
    }
  }

  it.each([
    ['district', '1-3-8', (i: GenIncident) => i.districtId],
    ['category', '1-3-8', (i: GenIncident) => i.category],
    ['priority', '5-10-30', (i: GenIncident) => String(i.priority)],
    ['hour', '1-3-8', (i: GenIncident) => cstHour(i.createdAt)],
    ['day', '5-10-30', (i: GenIncident) => cstDay(i.createdAt)],
  ])('groupBy=%s (scheme %s) equals an independent computation', async (groupBy, scheme, keyOf) => {
    const r = await world.commander.get(
      `/api/v1/reports/response-times?from=${FROM}&to=${TO}&groupBy=${groupBy}&scheme=${scheme}`,
    );
    expect(r.status).toBe(200);
    expect(r.body.scheme.id).toBe(scheme);
    expect(r.body.groupBy).toBe(groupBy);
    expectMatches(r.body.groups, expectedGroups(scheme, keyOf));
    if (groupBy === 'district') {
      expect(r.body.groups.find((g: { key: string }) => g.key === district2).label).toBe('青羊区');
    }
  });

  it('bulletin buckets are configurable', async () => {
    const r = await world.commander.get(
      `/api/v1/reports/response-times?from=${FROM}&to=${TO}&groupBy=district&ackWithinSec=60&departWithinSec=120&clearWithinSec=900`,
    );
    expect(r.status).toBe(200);
    expect(r.body.buckets).toEqual({ ackWithinSec: 60, departWithinSec: 120, clearWithinSec: 900 });
    expectMatches(
      r.body.groups,
      expectedGroups('1-3-8', (i) => i.districtId, { ack: 60, depart: 120, clear: 900 }),
    );
  });

  it('groupBy=unit measures each assignment from its own dispatch', async () => {
    const r = await world.commander.get(
      `/api/v1/reports/response-times?from=${FROM}&to=${TO}&groupBy=unit`,
    );
    expect(r.status).toBe(200);
    const perUnit = new Map<
      string,
      { ack: number[]; arrive: number[]; dispatch: number[]; incidents: Set<string> }
    >();
    for (const inc of generated) {
      for (const a of inc.assignments.filter((x) => x.status !== 'declined' || x.arrivedAt)) {
        const u = perUnit.get(a.unitId) ?? {
          ack: [],
          arrive: [],
          dispatch: [],
          incidents: new Set<string>(),
        };
        u.incidents.add(inc.id);
        u.dispatch.push(secs(inc.createdAt, a.assignedAt));
        const ack = a.ackedAt ?? a.departedAt;
        if (ack) u.ack.push(secs(a.assignedAt, ack));
        if (a.arrivedAt) u.arrive.push(secs(a.assignedAt, a.arrivedAt));
        perUnit.set(a.unitId, u);
      }
    }
    expect(r.body.groups.map((g: { key: string }) => g.key).sort()).toEqual(
      [...perUnit.keys()].sort(),
    );
    for (const g of r.body.groups) {
      const e = perUnit.get(g.key)!;
      expect(g.incidents).toBe(e.incidents.size);
      expect(g.label).toMatch(/^川A-/);
      expect(g.dispatchP90Sec).toBeCloseTo(percentileCont(e.dispatch, 0.9)!, 1);
      expect(g.ackP50Sec).toBeCloseTo(percentileCont(e.ack, 0.5)!, 1);
      expect(g.arriveP90Sec).toBeCloseTo(percentileCont(e.arrive, 0.9)!, 1);
    }
  });

  it('ranks the laggards by P90 to ack and to arrive', async () => {
    const r = await world.commander.get(
      `/api/v1/reports/laggards?from=${FROM}&to=${TO}&limit=3&minAssignments=1`,
    );
    expect(r.status).toBe(200);
    const ackP90 = new Map<string, number>();
    const acks = new Map<string, number[]>();
    for (const inc of generated) {
      for (const a of inc.assignments.filter((x) => x.status !== 'declined' || x.arrivedAt)) {
        const ack = a.ackedAt ?? a.departedAt;
        if (ack) acks.set(a.unitId, [...(acks.get(a.unitId) ?? []), secs(a.assignedAt, ack)]);
      }
    }
    for (const [u, v] of acks) ackP90.set(u, percentileCont(v, 0.9)!);
    const worst = [...ackP90.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
    expect(r.body.units.byAck.map((x: { key: string }) => x.key)).toEqual(worst.map(([k]) => k));
    r.body.units.byAck.forEach((x: { ackP90Sec: number }, i: number) =>
      expect(x.ackP90Sec).toBeCloseTo(worst[i][1], 1),
    );
    expect(r.body.units.byArrive).toHaveLength(3);
    const p90s = r.body.units.byArrive.map((x: { arriveP90Sec: number }) => x.arriveP90Sec);
    expect([...p90s].sort((a, b) => b - a)).toEqual(p90s);
    expect(r.body.stations).toEqual({ byAck: [], byArrive: [] }); // the world's units have no station
  });

  it('gives the same report as CSV for Accept: text/csv', async () => {
    const q = `/api/v1/reports/response-times?from=${FROM}&to=${TO}&groupBy=priority`;
    const json = await world.commander.get(q);
    const res = await fetch(`${base}${q}`, {
      headers: { authorization: `Bearer ${world.tokens.commander}`, accept: 'text/csv' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await res.text()).trim().split(/\r\n/);
    const header = lines[0].split(',');
    expect(header.slice(0, 10)).toEqual([
      'key',
      'label',
      'incidents',
      'dispatched',
      'dispatchP50Sec',
      'dispatchP90Sec',
      'ackP50Sec',
      'ackP90Sec',
      'arriveP50Sec',
      'arriveP90Sec',
    ]);
    expect(header).toContain('tier3MetPct');
    expect(lines).toHaveLength(json.body.groups.length + 1);
    lines.slice(1).forEach((line, i) => {
      const cells = line.split(',');
      const g = json.body.groups[i];
      expect(cells[0]).toBe(g.key);
      expect(Number(cells[2])).toBe(g.incidents);
      expect(Number(cells[7])).toBe(g.ackP90Sec);
      expect(Number(cells[header.indexOf('tier1MetPct')])).toBe(g.tierMetPct[0]);
    });
  });

  it('keeps the figures current as incidents are worked through the API', async () => {
    const created = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'traffic',
      priority: 2,
    });
    const id = created.body.incident.id;
    const u = world.units[0];
    const assigned = await world.dispatcher.post(`/api/v1/incidents/${id}/assignments`, {
      unitIds: [u.id],
    });
    for (const type of ['ack', 'depart', 'arrive']) {
      expect(
        (
          await world.dispatcher.post(
            `/api/v1/assignments/${assigned.body.assignments[0].id}/events`,
            { type },
          )
        ).status,
      ).toBe(200);
    }
    const tl = await world.commander.get(`/api/v1/incidents/${id}/timeline`);
    const from = new Date(Date.now() - 3600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const r = await world.commander.get(
      `/api/v1/reports/response-times?from=${from}&to=${to}&groupBy=category`,
    );
    const g = r.body.groups.find((x: { key: string }) => x.key === 'traffic');
    expect(g.incidents).toBe(1);
    expect(g.label).toBe('交通');
    expect(g.ackP50Sec).toBeCloseTo(tl.body.metrics.ackSec, 0);
    expect(g.arriveP50Sec).toBeCloseTo(tl.body.metrics.firstArriveSec, 0);
    expect(g.tierMetPct).toEqual(tl.body.metrics.tiersMet.map((m: boolean) => (m ? 100 : 0)));
    await world.dispatcher.post(`/api/v1/assignments/${assigned.body.assignments[0].id}/events`, {
      type: 'clear',
    });
  });

  it('refuses bad input with 400 and other roles with 403', async () => {
    for (const q of [
      `groupBy=foo`,
      `from=${TO}&to=${FROM}`,
      `from=yesterday`,
      `scheme=9-9-9`,
      `ackWithinSec=-1`,
      `from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
    ]) {
      const r = await world.commander.get(`/api/v1/reports/response-times?${q}`);
      expect({ q, status: r.status, code: r.body.error?.code }).toEqual({
        q,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
    expect(
      (await world.commander.get(`/api/v1/reports/laggards?from=${TO}&to=${FROM}`)).status,
    ).toBe(400);
    expect((await world.calltaker.get(`/api/v1/reports/response-times`)).status).toBe(403);
  });
});
