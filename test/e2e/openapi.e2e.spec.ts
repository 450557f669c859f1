// The published contract (issue #12): GET /api/openapi.json is a valid OpenAPI 3.1 document that
// lists every route the running app answers, with who may call it, what it takes, what it returns
// and which error codes it answers with; and what the app really returns matches it.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Express } from 'express';
import { z } from 'zod';
import { ERROR_CODES } from '@ringcad/contracts';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import { createStack, SERVICES_MODE, type Stack } from '../support/harness';

const ROOT = resolve(__dirname, '../..');

type Operation = {
  summary: string;
  security: unknown[];
  'x-roles': string[];
  'x-undocumented'?: boolean;
  parameters?: { name: string; in: string; required: boolean }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
};
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };

/**
 * The validator ships as ES module only: run it in its own Node process on the document (not
 * spawnSync: the api under test lives in this process and must keep answering meanwhile).
 */
function validateOpenApi(doc: unknown): Promise<{ valid: boolean; errors?: unknown }> {
  const code = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const v = new Validator();
    const res = await v.validate(JSON.parse(input));
    process.stdout.write(JSON.stringify({ valid: res.valid, errors: res.errors ?? null }));
  `;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      if (status !== 0) reject(new Error(err));
      else resolvePromise(JSON.parse(out) as { valid: boolean; errors?: unknown });
    });
    child.stdin.end(JSON.stringify(doc));
  });
}

/** Every route Express will dispatch to, as `METHOD /path/{param}`. */
function registeredRoutes(app: Express): string[] {
  const router = (
    app as unknown as {
      router: {
        stack: { route?: { path: string | string[]; methods: Record<string, boolean> } }[];
      };
    }
  ).router;
  const out: string[] = [];
  for (const layer of router.stack) {
    if (!layer.route) continue;
    for (const path of [layer.route.path].flat()) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all')
          out.push(`${method.toUpperCase()} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
      }
    }
  }
  return [...new Set(out)].sort();
}

describe(`the published contract (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let base: string;
  let world: World;
  let doc: Doc;

  beforeAll(async () => {
    stack = await createStack();
    base = (await stack.startApi()).url;
    world = await buildWorld(base);
    const res = await fetch(`${base}/api/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as Doc;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('is a valid OpenAPI 3.1 document (checked by a maintained validator)', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const res = await validateOpenApi(doc);
    expect(res.errors ?? null).toBeNull();
    expect(res.valid).toBe(true);
  });

  it('the validator refuses a broken document (so the check above can fail)', async () => {
    const broken = structuredClone(doc) as unknown as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { description?: string }> }>
      >;
    };
    // a Response Object must have a description
    delete broken.paths['/api/v1/incidents'].post.responses['201'].description;
    expect((await validateOpenApi(broken)).valid).toBe(false);
  });

  it('lists every route the running app registers, each documented', () => {
    const app = stack.api().app.getHttpAdapter().getInstance() as Express;
    const routes = registeredRoutes(app);
    expect(routes.length).toBeGreaterThan(50);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(routes.filter((r) => !documented.includes(r))).toEqual([]);
    expect(documented.filter((r) => !routes.includes(r))).toEqual([]);
    const undocumented = documented.filter((r) => {
      const [method, path] = r.split(' ');
      return doc.paths[path][method.toLowerCase()]['x-undocumented'];
    });
    expect(undocumented).toEqual([]);
  });

  it('says who may call each route, what it takes and which error codes it answers with', () => {
    const create = doc.paths['/api/v1/incidents'].post;
    expect(create['x-roles']).toEqual(['calltaker', 'dispatcher']);
    expect(create.security).toEqual([{ bearer: [] }]);
    expect(create.requestBody?.content['application/json'].schema).toMatchObject({
      required: expect.arrayContaining(['location', 'category', 'priority']),
    });
    expect(Object.keys(create.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '413', '500', '503']),
    );

    const login = doc.paths['/api/v1/auth/login'].post;
    expect(login.security).toEqual([]);
    expect(Object.keys(login.responses)).toContain('429');

    const assign = doc.paths['/api/v1/incidents/{id}/assignments'].post;
    const conflictCodes = (assign.responses['409'].content?.['application/json'].schema as any)
      .properties.error.properties.code.enum;
    expect(conflictCodes).toEqual(expect.arrayContaining(['UNIT_UNAVAILABLE', 'INCIDENT_CLOSED']));
    expect(assign.parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path', required: true }),
    ]);

    const events = doc.paths['/api/v1/assignments/{id}/events'].post;
    expect(events['x-roles']).toEqual(['dispatcher']);
    expect((events as unknown as { 'x-terminal': boolean })['x-terminal']).toBe(true);

    const list = doc.paths['/api/v1/incidents'].get;
    expect(list.parameters?.map((p) => [p.name, p.in, p.required])).toEqual(
      expect.arrayContaining([
        ['status', 'query', false],
        ['from', 'query', false],
      ]),
    );

    // the area replay's forms: the JSON ones, and the binary one as bytes
    const area = doc.paths['/api/v1/replay/area'].get;
    const format = area.parameters?.find((p) => p.name === 'format') as
      { schema: { enum: string[] } } | undefined;
    expect(format?.schema.enum).toEqual(['points', 'columnar', 'binary']);
    expect(area.responses['200'].content?.['application/octet-stream'].schema).toEqual({
      type: 'string',
      format: 'binary',
    });

    // every error code the documents mention is one the server has
    const codes = new Set<string>();
    for (const ops of Object.values(doc.paths))
      for (const op of Object.values(ops))
        for (const [status, r] of Object.entries(op.responses))
          if (Number(status) >= 400)
            for (const c of (r.content?.['application/json'].schema as any).properties.error
              .properties.code.enum)
              codes.add(c);
    expect([...codes].filter((c) => !(ERROR_CODES as readonly string[]).includes(c))).toEqual([]);
  });

  it('describes what the app really returns', async () => {
    const schemaOf = (path: string, method: string, status: string) =>
      z.fromJSONSchema(
        doc.paths[path][method].responses[status].content?.['application/json'].schema as never,
      );

    const created = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'public_order',
      priority: 1,
      address: 'openapi test',
    });
    expect(created.status).toBe(201);
    expect(
      schemaOf('/api/v1/incidents', 'post', '201').safeParse(created.body).error,
    ).toBeUndefined();

    const id = created.body.incident.id as string;
    const timeline = await world.dispatcher.get(`/api/v1/incidents/${id}/timeline`);
    expect(
      schemaOf('/api/v1/incidents/{id}/timeline', 'get', '200').safeParse(timeline.body).error,
    ).toBeUndefined();

    const units = await world.dispatcher.get('/api/v1/units');
    expect(schemaOf('/api/v1/units', 'get', '200').safeParse(units.body).error).toBeUndefined();

    const busy = await world.dispatcher.post(`/api/v1/incidents/${id}/assignments`, {
      unitIds: [world.units[0].id],
    });
    expect(busy.status).toBe(201);
    const again = await world.dispatcher.post(`/api/v1/incidents/${id}/assignments`, {
      unitIds: [world.units[0].id],
    });
    expect(again.status).toBe(409);
    expect(
      schemaOf('/api/v1/incidents/{id}/assignments', 'post', '409').safeParse(again.body).error,
    ).toBeUndefined();
    expect(again.body.error).toMatchObject({
      code: 'UNIT_UNAVAILABLE',
      details: { units: [expect.objectContaining({ unitId: world.units[0].id })] },
    });

    // a response that does not match is refused by the same check
    expect(schemaOf('/api/v1/units', 'get', '200').safeParse([{ id: 1 }]).success).toBe(false);
  });
});
