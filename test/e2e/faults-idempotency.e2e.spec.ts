import { sql } from 'kysely';
import { DatabaseService } from '@ringcad/core';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import { createStack, SERVICES_MODE, type Stack } from '../support/harness';

/** Idempotent incident creation and "committed means 201", in both modes (PGlite and PostgreSQL). */
describe(`incident create under retries (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let seq = 0;

  const body = (extra: Record<string, unknown> = {}) => ({
    location: { lon: INCIDENT_POINT.lon, lat: INCIDENT_POINT.lat },
    category: 'dispute',
    priority: 2,
    description: `retry test ${++seq}`,
    ...extra,
  });
  const json = (r: Response): Promise<any> => r.json();
  const db = () => stack.api().app.get(DatabaseService).db;
  const incidentsWith = async (description: string) =>
    (
      await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM incidents WHERE description = ${description}`.execute(db())
    ).rows[0].n;
  const raw = (token: string, payload: unknown, key?: string) =>
    fetch(`${stack.api().url}/api/v1/incidents`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: JSON.stringify(payload),
    });

  beforeAll(async () => {
    stack = await createStack();
    await stack.startApi();
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(stack.api().url);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers a retried create with the incident the first call made, never a second one', async () => {
    const b = body();
    const first = await raw(world.tokens.calltaker, b, 'call-0001');
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const one = await json(first);
    // the same body with its keys in another order is the same request
    const reordered = Object.fromEntries(Object.entries(b).reverse());
    const again = await raw(world.tokens.calltaker, reordered, 'call-0001');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const two = await json(again);
    expect(two.incident.id).toBe(one.incident.id);
    expect(two.incident.number).toBe(one.incident.number);
    expect(two.recommendation.candidates.length).toBe(one.recommendation.candidates.length);
    expect(two.possibleDuplicates).toEqual(one.possibleDuplicates);
    expect(await incidentsWith(b.description)).toBe(1);
  });

  it('refuses the same key with a different request and writes nothing', async () => {
    const b = body();
    expect((await raw(world.tokens.calltaker, b, 'call-0002')).status).toBe(201);
    const other = body();
    const r = await raw(world.tokens.calltaker, other, 'call-0002');
    expect(r.status).toBe(422);
    const err = await json(r);
    expect(err.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await incidentsWith(other.description)).toBe(0);
  });

  it('keeps keys per account: the same key from another account is another call', async () => {
    const b = body();
    const a = await raw(world.tokens.calltaker, b, 'shared-key');
    const d = await raw(world.tokens.dispatcher, b, 'shared-key');
    expect([a.status, d.status]).toEqual([201, 201]);
    expect(d.headers.get('idempotent-replayed')).toBeNull();
    expect(await incidentsWith(b.description)).toBe(2);
  });

  it('makes one incident from concurrent twins', async () => {
    const b = body();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => raw(world.tokens.calltaker, b, 'twins-1')),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    const ids = new Set(
      await Promise.all(results.map(async (r) => (await json(r)).incident.id as string)),
    );
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(7);
    expect(await incidentsWith(b.description)).toBe(1);
  });

  it('honours a key for 24 hours only', async () => {
    const b = body();
    expect((await raw(world.tokens.calltaker, b, 'old-key')).status).toBe(201);
    await sql`UPDATE idempotency_keys SET created_at = created_at - interval '25 hours' WHERE key = 'old-key'`.execute(
      db(),
    );
    const later = await raw(world.tokens.calltaker, b, 'old-key');
    expect(later.status).toBe(201);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect(await incidentsWith(b.description)).toBe(2);
    const rows = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM idempotency_keys WHERE key = 'old-key'`.execute(db());
    expect(rows.rows[0].n).toBe(1);
  });

  it('refuses a malformed key and writes nothing', async () => {
    const b = body();
    const r = await raw(world.tokens.calltaker, b, 'x'.repeat(201));
    expect(r.status).toBe(400);
    expect(await incidentsWith(b.description)).toBe(0);
  });

  it('answers a committed create 201 with the recommendation marked unavailable when it cannot be computed', async () => {
    const b = body();
    // the recommendation reads `units`; the create statement does not: break only the former
    await sql`ALTER TABLE units RENAME TO units_away`.execute(db());
    let r: Response;
    try {
      r = await raw(world.tokens.calltaker, b, 'after-commit-1');
    } finally {
      await sql`ALTER TABLE units_away RENAME TO units`.execute(db());
    }
    expect(r.status).toBe(201);
    const created = await json(r);
    expect(created.incident.id).toBeTruthy();
    expect(created.recommendation).toBeNull();
    expect(created.recommendationUnavailable.code).toBe('INTERNAL');
    expect(await incidentsWith(b.description)).toBe(1);
    // the client's retry gets the same incident, and now its recommendation
    const again = await raw(world.tokens.calltaker, b, 'after-commit-1');
    expect(again.status).toBe(201);
    const replay = await json(again);
    expect(replay.incident.id).toBe(created.incident.id);
    expect(replay.recommendation.candidates.length).toBeGreaterThan(0);
    expect(await incidentsWith(b.description)).toBe(1);
  });
});
