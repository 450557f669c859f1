import { AsyncLocalStorage } from 'node:async_hooks';
import type { KyselyPlugin } from 'kysely';
import type { Db } from '@ringcad/db';
import {
  AuthService,
  ConsoleSyncService,
  DatabaseService,
  readAssignments,
  type Principal,
} from '@ringcad/core';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import {
  connectSocket,
  createStack,
  SERVICES_MODE,
  type Api,
  type Stack,
} from '../support/harness';

/**
 * Counts the SQL statements run inside `work` (and only there: the api's own timers and flushes
 * keep using the database meanwhile) by putting a counting plugin on the process's Kysely handle.
 */
async function statementsOf<T>(
  database: DatabaseService,
  work: () => Promise<T>,
): Promise<{ result: T; statements: number }> {
  const inside = new AsyncLocalStorage<true>();
  let statements = 0;
  const counter: KyselyPlugin = {
    transformQuery: (args) => {
      if (inside.getStore()) statements++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  const handle = database.raw as { db: Db };
  const original = handle.db;
  handle.db = original.withPlugin(counter);
  try {
    const result = await inside.run(true, work);
    return { result, statements };
  } finally {
    handle.db = original;
  }
}

describe(`the console snapshot (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let api: Api;
  let world: World;
  let dispatcher: Principal;

  /** An open incident with one declined assignment and (when a unit is given) one standing one. */
  async function openIncident(standing?: World['units'][number]) {
    const created = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'public_order',
      priority: 2,
    });
    expect(created.status).toBe(201);
    const id = created.body.incident.id as string;
    const declined = await world.dispatcher.post(`/api/v1/incidents/${id}/assignments`, {
      unitIds: [world.units[0].id],
    });
    expect(declined.status).toBe(201);
    const r = await world.dispatcher.post(
      `/api/v1/assignments/${declined.body.assignments[0].id}/events`,
      { type: 'decline' },
    );
    expect(r.status).toBe(200);
    if (standing)
      expect(
        (
          await world.dispatcher.post(`/api/v1/incidents/${id}/assignments`, {
            unitIds: [standing.id],
          })
        ).status,
      ).toBe(201);
    return id;
  }

  async function snapshot() {
    const database = api.app.get(DatabaseService);
    return statementsOf(database, () => api.app.get(ConsoleSyncService).snapshot(dispatcher));
  }

  /** What reading each incident's assignments on its own gives, in the snapshot's incident order. */
  async function assignmentsOneByOne(incidentIds: string[]) {
    const database = api.app.get(DatabaseService);
    return database.transaction(async (tx) => {
      const all = [];
      for (const id of incidentIds) all.push(...(await readAssignments(tx, { incidentId: id })));
      return all;
    });
  }

  beforeAll(async () => {
    stack = await createStack();
    api = await stack.startApi();
    if (SERVICES_MODE) await stack.startWorker();
    world = await buildWorld(api.url, 6);
    dispatcher = (await api.app
      .get(AuthService)
      .authenticate(world.tokens.dispatcher)) as Principal;
  });
  afterAll(async () => {
    await stack.close();
  });

  it('runs as many statements for 30 open incidents as for 1, with the same assignments as reading them one by one', async () => {
    await openIncident(world.units[1]);
    const one = await snapshot();
    expect(one.result.incidents).toHaveLength(1);
    expect(one.result.assignments).toHaveLength(2);
    expect(one.result.assignments).toEqual(
      await assignmentsOneByOne(one.result.incidents.map((i) => i.id)),
    );

    for (let i = 1; i < 30; i++) await openIncident(i < 5 ? world.units[i + 1] : undefined);
    const thirty = await snapshot();
    expect(thirty.result.incidents).toHaveLength(30);
    expect(thirty.result.assignments).toHaveLength(30 + 5);
    expect(thirty.result.assignments).toEqual(
      await assignmentsOneByOne(thirty.result.incidents.map((i) => i.id)),
    );
    expect(one.statements).toBeGreaterThan(0);
    expect(thirty.statements).toBe(one.statements);
  });

  it('is what a console gets on connect', async () => {
    const rec = await connectSocket(api.url, '/console', world.tokens.dispatcher);
    try {
      const sync = (await rec.waitFor((e) => e.event === 'sync')).payload;
      const { result } = await snapshot();
      expect(sync.incidents).toEqual(result.incidents);
      expect(sync.assignments).toEqual(result.assignments);
      expect(sync.notes).toEqual(result.notes);
    } finally {
      rec.close();
    }
  });
});
