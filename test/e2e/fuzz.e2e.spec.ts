import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { z } from 'zod';
import * as contracts from '@ringcad/contracts';
import { ERROR_CODES } from '@ringcad/contracts';
import { DatabaseService } from '@ringcad/core';
import { BUILTIN_SCHEMES } from '@ringcad/domain';
import { generateCity } from '@ringcad/routing';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import { client, createStack, SERVICES_MODE, type Stack } from '../support/harness';
import { TestClock } from '../support/test-clock';

/**
 * Every registered route, thousands of times, with bodies and query strings derived from the
 * contract's zod schemas and then broken (wrong types, NUL, unpaired surrogates, 1 MB strings,
 * numbers out of range, missing and extra fields, arrays for objects, wrong content types,
 * malformed JSON). Nothing may answer 5xx, every refusal has our error shape, and a batch of
 * requests that were all refused leaves the database as it was.
 *
 * FUZZ_SEED replays a run; FUZZ_REQUESTS scales it.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 110_2026);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 5200);
const CONCURRENCY = 12;
/**
 * Accepted creations per route before its bodies are only ever broken ones: hundreds of random
 * districts, checkpoints and units would turn every coverage and sealing request into a
 * benchmark, and this is not one.
 */
const MAX_CREATED_PER_ROUTE = 30;

/** Routes of the public contract that must be among the enumerated ones (a sanity floor, not the list). */
const CORE_ROUTES = [
  'POST /api/v1/auth/login',
  'POST /api/v1/users',
  'POST /api/v1/jurisdictions',
  'POST /api/v1/units',
  'POST /api/v1/units/positions',
  'POST /api/v1/units/:id/status',
  'POST /api/v1/incidents',
  'GET /api/v1/incidents/:id',
  'POST /api/v1/incidents/:id/assignments',
  'POST /api/v1/assignments/:id/events',
  'GET /api/v1/places/search',
  'GET /api/v1/reports/response-times',
];

/** Tables whose rows a refused request must not add, remove or (by version) change. */
const COUNTS_SQL = sql<Record<string, number>>`SELECT
  (SELECT count(*)::int FROM users) AS users,
  (SELECT count(*)::int FROM jurisdictions) AS jurisdictions,
  (SELECT count(*)::int FROM checkpoints) AS checkpoints,
  (SELECT count(*)::int FROM standby_points) AS standby_points,
  (SELECT count(*)::int FROM units) AS units,
  (SELECT coalesce(sum(version), 0)::int FROM units) AS unit_versions,
  (SELECT count(*)::int FROM incidents) AS incidents,
  (SELECT coalesce(sum(version), 0)::int FROM incidents) AS incident_versions,
  (SELECT count(*)::int FROM incident_events) AS incident_events,
  (SELECT count(*)::int FROM assignments) AS assignments,
  (SELECT count(*)::int FROM timers) AS timers,
  (SELECT count(*)::int FROM alerts) AS alerts,
  (SELECT count(*)::int FROM audit_events) AS audit_events,
  (SELECT count(*)::int FROM response_plans) AS response_plans,
  (SELECT count(*)::int FROM defense_level_changes) AS defense_level_changes,
  (SELECT count(*)::int FROM agency_notifications) AS agency_notifications,
  (SELECT count(*)::int FROM road_networks) AS road_networks`;

// ---------------------------------------------------------------------------------------------
// deterministic randomness

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
let rand = mulberry32(SEED);
const chance = (p: number) => rand() < p;
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const randomUuid = () =>
  'xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx'.replace(/x/g, () => '0123456789abcdef'[int(0, 15)]);

const MB = 'x'.repeat(1 << 20);
const NASTY_STRINGS = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'tail\udfff',
  '\udc00\ud800',
  '\u0001\u0002\u001f',
  '\u007f\u0085\u2028\u2029',
  '\ufeffbom',
  '',
  ' ',
  '   \t\n  ',
  '💥'.repeat(50),
  '𠀋'.repeat(101),
  'x'.repeat(4001),
  '"; DROP TABLE incidents; --',
  "' OR '1'='1",
  '%00',
  '\\u0000',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '${7*7}',
  'null',
  'NaN',
  '-1',
  '1e999',
  '2026-02-30T08:00:00Z',
  '9999-12-31T23:59:59Z',
  '0000-01-01T00:00:00Z',
  '1970-01-01T00:00:00+14:00',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '\u202egnp.exe',
  'ＡＢＣ１２３',
];
const NASTY_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -0,
  -1,
  1.5,
  2 ** 53 + 1,
  -(2 ** 63),
  1e308,
  -1e308,
  5e-324,
  [],
  {},
  [null],
  [1, 2, 3],
  { a: 1 },
  JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
  { constructor: { prototype: { polluted: true } } },
  Array.from({ length: 6000 }, () => 1),
  ...NASTY_STRINGS,
];

// ---------------------------------------------------------------------------------------------
// the world the requests talk about

interface Ids {
  incident: string[];
  assignment: string[];
  unit: string[];
  jurisdiction: string[];
  checkpoint: string[];
  standby: string[];
  plan: string[];
  alert: string[];
}

function idFor(key: string, ids: Ids): string {
  const k = key.toLowerCase();
  if (chance(0.08)) return randomUuid();
  if (k.startsWith('unit')) return pick(ids.unit);
  if (k.startsWith('incident')) return pick(ids.incident);
  if (k.startsWith('assignment')) return pick(ids.assignment);
  if (k.startsWith('checkpoint')) return pick(ids.checkpoint);
  if (/jurisdiction|parent|district|station/.test(k)) return pick(ids.jurisdiction);
  return pick(Object.values(ids).flat());
}

/**
 * Nothing may change the database on its own while batches are compared: the api's clock runs at a
 * thousandth of real speed, so no ack or ring deadline comes due during the run. Times in
 * generated bodies are read from the same clock.
 */
const clock = new TestClock(0.001);
const isoAgo = (ms: number) => new Date(clock.now().getTime() - ms).toISOString();
const nearCity = (key: string) =>
  (key === 'lon' ? INCIDENT_POINT.lon : INCIDENT_POINT.lat) + (rand() - 0.5) * 0.04;

function squareAround(): unknown {
  const lon = INCIDENT_POINT.lon + (rand() - 0.5) * 0.1;
  const lat = INCIDENT_POINT.lat + (rand() - 0.5) * 0.1;
  const d = 0.002 + rand() * 0.01;
  return {
    type: 'Polygon',
    coordinates: [
      [
        [lon, lat],
        [lon + d, lat],
        [lon + d, lat + d],
        [lon, lat + d],
        [lon, lat],
      ],
    ],
  };
}

type Json = { [k: string]: unknown };

/** A plausible value for a JSON Schema (from zod), steered by the field's name toward real ids. */
function sample(js: Json, key: string, ids: Ids, depth = 0): unknown {
  if (depth > 12) return null;
  const branches = (js.anyOf ?? js.oneOf) as Json[] | undefined;
  if (branches) {
    const nonNull = branches.filter((b) => b.type !== 'null');
    return sample(
      nonNull.length && chance(0.9) ? pick(nonNull) : pick(branches),
      key,
      ids,
      depth + 1,
    );
  }
  if ('const' in js) return js.const;
  if (Array.isArray(js.enum)) return pick(js.enum as unknown[]);
  if (key === 'boundary') return squareAround();
  switch (js.type) {
    case 'object': {
      const out: Json = {};
      const required = new Set((js.required as string[] | undefined) ?? []);
      for (const [k, sub] of Object.entries(
        (js.properties as Record<string, Json> | undefined) ?? {},
      )) {
        if (required.has(k) || chance(0.6)) out[k] = sample(sub, k, ids, depth + 1);
      }
      return out;
    }
    case 'array': {
      if (Array.isArray(js.prefixItems)) {
        const head = (js.prefixItems as Json[]).map((p, i) =>
          sample(p, i === 0 ? 'lon' : 'lat', ids, depth + 1),
        );
        return head;
      }
      const min = Number(js.minItems ?? 0);
      const max = Math.min(Number(js.maxItems ?? min + 3), min + 3);
      const n = int(min, Math.max(min, max));
      const singular = key.endsWith('s') ? key.slice(0, -1) : key;
      const items = Array.from({ length: n }, () =>
        sample((js.items as Json) ?? {}, singular, ids, depth + 1),
      );
      return js.uniqueItems || /ids$/i.test(key) ? [...new Set(items)] : items;
    }
    case 'string':
      return sampleString(js, key, ids);
    case 'number':
    case 'integer': {
      if (key === 'lon' || key === 'lat') return Math.round(nearCity(key) * 1e6) / 1e6;
      const lo = Number(js.minimum ?? js.exclusiveMinimum ?? 0);
      const hi = Number(js.maximum ?? js.exclusiveMaximum ?? lo + 100);
      const v = lo + rand() * (Math.min(hi, lo + 1000) - lo);
      return js.type === 'integer' ? Math.round(v) : Math.round(v * 1000) / 1000;
    }
    case 'boolean':
      return chance(0.5);
    case 'null':
      return null;
    default:
      return chance(0.5) ? pick(NASTY_VALUES) : {};
  }
}

let uniqueName = 0;
function sampleString(js: Json, key: string, ids: Ids): string {
  if (js.format === 'uuid' || (/id$/i.test(key) && key !== 'schemeId' && !js.maxLength))
    return idFor(key, ids);
  if (js.format === 'date-time') {
    if (key === 'from') return isoAgo(int(3600_000, 3 * 86_400_000));
    if (key === 'to') return isoAgo(int(0, 600_000));
    return isoAgo(int(0, 120_000));
  }
  switch (key) {
    case 'scheme':
    case 'schemeId':
      return chance(0.9) ? pick(BUILTIN_SCHEMES).id : 'no-such-scheme';
    case 'callerNumber':
      return `138${int(10_000_000, 99_999_999)}`;
    case 'username':
      return `fuzz_${SEED}_${uniqueName++}`;
    case 'password':
      return 'fuzz-password-123';
    case 'tiers':
      return pick(['0', '1', '0,1', '0,1,2']);
    case 'minutes':
      return pick(['1,3,8', '5', '10,20']);
    case 'bbox':
      return '104.05,30.64,104.08,30.67';
    case 'q':
      return pick(['人民', '天府', 'a', '路']);
    default: {
      const min = Number(js.minLength ?? 1);
      const max = Math.min(Number(js.maxLength ?? 30), 30);
      const n = int(Math.max(min, 1), Math.max(min, max));
      return (
        Array.from({ length: n }, () => pick(['a', 'b', '中', '文', '1', '-', ' ', '警', 'Z']))
          .join('')
          .trim() || 'fuzz'
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// routes and what they take

interface RouteInput {
  body?: z.ZodType;
  query?: z.ZodType;
}

const coverageQuery = z.object({ scheme: z.string().max(40).optional() });
const moveUpsQuery = coverageQuery.extend({
  tier: z.number().int().min(0).max(10).optional(),
  max: z.number().int().min(1).max(20).optional(),
});

/** What the known routes parse; a route missing here is still fuzzed, with schemas from the whole contract. */
const INPUTS: Record<string, RouteInput> = {
  'POST /api/v1/auth/login': { body: contracts.loginSchema },
  'POST /api/v1/users': { body: contracts.createUserSchema },
  'POST /api/v1/jurisdictions': { body: contracts.createJurisdictionSchema },
  'POST /api/v1/checkpoints': { body: contracts.createPlaceSchema },
  'POST /api/v1/standby-points': { body: contracts.createPlaceSchema },
  'POST /api/v1/units': { body: contracts.createUnitSchema },
  'POST /api/v1/units/positions': { body: contracts.positionsBatchSchema },
  'POST /api/v1/units/:id/status': { body: contracts.setUnitStatusSchema },
  'POST /api/v1/incidents': { body: contracts.createIncidentSchema },
  'GET /api/v1/incidents': { query: contracts.listIncidentsQuerySchema },
  'GET /api/v1/incidents/:id/recommendation': { query: contracts.recommendationQuerySchema },
  'POST /api/v1/incidents/:id/assignments': { body: contracts.createAssignmentsSchema },
  'POST /api/v1/assignments/:id/events': { body: contracts.assignmentEventSchema },
  'POST /api/v1/incidents/:id/close': { body: contracts.closeIncidentSchema },
  'POST /api/v1/incidents/:id/cancel': { body: contracts.cancelIncidentSchema },
  'POST /api/v1/incidents/:id/agencies': { body: contracts.agencyRequestSchema },
  'POST /api/v1/defense-levels': { body: contracts.defenseLevelSchema },
  'POST /api/v1/response-plans': { body: contracts.responsePlanSchema },
  'PUT /api/v1/response-plans/:id': { body: contracts.responsePlanSchema },
  'POST /api/v1/incidents/:id/plan/confirm': { body: contracts.planConfirmSchema },
  'GET /api/v1/incidents/:id/sealing': { query: contracts.sealingQuerySchema },
  'POST /api/v1/incidents/:id/sealing/dispatch': { body: contracts.sealingDispatchSchema },
  'GET /api/v1/replay/area': { query: contracts.areaReplayQuerySchema },
  'GET /api/v1/reports/response-times': { query: contracts.responseTimesQuerySchema },
  'GET /api/v1/reports/laggards': { query: contracts.laggardsQuerySchema },
  'GET /api/v1/coverage': { query: coverageQuery },
  'GET /api/v1/coverage/move-ups': { query: moveUpsQuery },
  'GET /api/v1/road-network/geojson': { query: contracts.roadGeojsonQuerySchema },
  'GET /api/v1/places/search': { query: contracts.placeSearchQuerySchema },
  'POST /api/v1/road-network': { query: contracts.importQuerySchema },
  'POST /api/v1/imports': { query: contracts.bulkImportQuerySchema },
  'PATCH /api/v1/users/:id': { body: contracts.updateUserSchema },
  'POST /api/v1/users/:id/password': { body: contracts.resetPasswordSchema },
  'PATCH /api/v1/units/:id': { body: contracts.updateUnitSchema },
  'PATCH /api/v1/checkpoints/:id': { body: contracts.updatePlaceSchema },
  'PATCH /api/v1/standby-points/:id': { body: contracts.updatePlaceSchema },
  'GET /api/v1/isochrones': { query: contracts.isochroneQuerySchema },
  'GET /api/v1/incidents/:id/route': { query: contracts.routeQuerySchema },
};

const jsonSchemaCache = new Map<z.ZodType, Json>();
function jsonSchemaOf(schema: z.ZodType): Json {
  let js = jsonSchemaCache.get(schema);
  if (!js) {
    js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
    jsonSchemaCache.set(schema, js);
  }
  return js;
}

/** Every object schema the contract exports: the body pool for routes nobody described here. */
const CONTRACT_OBJECT_SCHEMAS = Object.values(contracts as Record<string, unknown>).filter(
  (v): v is z.ZodType => v instanceof z.ZodType && jsonSchemaOf(v).type === 'object',
);

interface Route {
  method: string;
  path: string;
}

/** Registered routes, read from the Express router Nest mounted them on (a new route is fuzzed without being listed). */
function routesOf(stack: Stack): Route[] {
  const express = stack.api().app.getHttpAdapter().getInstance() as {
    router?: { stack: Layer[] };
    _router?: { stack: Layer[] };
  };
  interface Layer {
    route?: { path: string | string[]; methods: Record<string, boolean> };
  }
  const layers = (express.router ?? express._router)?.stack ?? [];
  const out = new Map<string, Route>();
  for (const l of layers) {
    if (!l.route) continue;
    const paths = Array.isArray(l.route.path) ? l.route.path : [l.route.path];
    for (const path of paths) {
      for (const [m, on] of Object.entries(l.route.methods)) {
        if (!on || m === '_all') continue;
        const method = m.toUpperCase();
        out.set(`${method} ${path}`, { method, path });
      }
    }
  }
  return [...out.values()];
}

// ---------------------------------------------------------------------------------------------
// mutations

type Path = (string | number)[];

function pathsIn(v: unknown, prefix: Path = [], out: { path: Path; value: unknown }[] = []) {
  out.push({ path: prefix, value: v });
  if (prefix.length > 8) return out;
  if (Array.isArray(v)) v.slice(0, 5).forEach((x, i) => pathsIn(x, [...prefix, i], out));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) pathsIn(x, [...prefix, k], out);
  return out;
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (!path.length) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === undefined) {
    if (Array.isArray(cur)) cur.splice(Number(last), 1);
    else delete cur[last];
  } else cur[last] = value;
  return copy;
}

function wrongTypeFor(v: unknown): unknown {
  if (typeof v === 'string') return pick([12345, true, null, [v], { v }]);
  if (typeof v === 'number') return pick([String(v), true, null, [v], {}, 'NaN']);
  if (typeof v === 'boolean') return pick(['true', 1, null]);
  if (Array.isArray(v)) return pick([v[0] ?? 'x', { ...v }, 'array', 7]);
  if (v && typeof v === 'object') return pick([[v], 'object', 42, Object.values(v)]);
  return pick(['x', 1, {}]);
}

function outOfRange(): unknown {
  return pick([
    1e6,
    -1e6,
    1e308,
    -1e308,
    181,
    -181,
    91,
    -91,
    2 ** 31,
    -(2 ** 31) - 1,
    0.1 + 0.2,
    -0,
    5e-324,
    4001,
    5001,
    86_401,
  ]);
}

function nastyString(huge: boolean): string {
  if (huge) return pick([MB, `${MB}\u0000`, `${MB.slice(1)}\ud800`]);
  return pick(NASTY_STRINGS);
}

/** One structural mutation of a JSON value (or none): returns the mutated value and its name. */
function mutate(value: unknown, refuseOnly: boolean): { value: unknown; what: string } {
  const all = pathsIn(value);
  const leaves = all.filter((p) => p.path.length > 0);
  const strings = all.filter((p) => typeof p.value === 'string');
  const numbers = all.filter((p) => typeof p.value === 'number');
  const objects = all.filter(
    (p) => p.value && typeof p.value === 'object' && !Array.isArray(p.value),
  );
  const r = rand();
  if (!refuseOnly && r < 0.2) return { value, what: 'valid' };
  if (r < 0.35 && strings.length) {
    const p = pick(strings);
    const s = nastyString(chance(0.03));
    return {
      value: setAt(value, p.path, chance(0.5) ? s : `${String(p.value)}${s}`),
      what: `text ${p.path.join('.')}`,
    };
  }
  if (r < 0.5 && leaves.length) {
    const p = pick(leaves);
    return { value: setAt(value, p.path, wrongTypeFor(p.value)), what: `type ${p.path.join('.')}` };
  }
  if (r < 0.6 && numbers.length) {
    const p = pick(numbers);
    return { value: setAt(value, p.path, outOfRange()), what: `range ${p.path.join('.')}` };
  }
  if (r < 0.7 && leaves.length) {
    const p = pick(leaves);
    return { value: setAt(value, p.path, undefined), what: `missing ${p.path.join('.')}` };
  }
  if (r < 0.78 && objects.length) {
    const p = pick(objects);
    const key = pick([
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      '',
      'extra',
      'id',
      'version',
      '\u0000',
      '\ud800',
      'status',
    ]);
    const obj = { ...(p.value as object) } as Record<string, unknown>;
    Object.defineProperty(obj, key, {
      value: pick(NASTY_VALUES),
      enumerable: true,
      configurable: true,
      writable: true,
    });
    return {
      value: setAt(value, p.path, obj),
      what: `extra ${p.path.join('.')}.${JSON.stringify(key)}`,
    };
  }
  if (r < 0.85 && objects.length) {
    const p = pick(objects);
    return {
      value: setAt(value, p.path, chance(0.5) ? [p.value] : Object.values(p.value as object)),
      what: `array-for-object ${p.path.join('.')}`,
    };
  }
  if (r < 0.9) {
    return { value: pick([null, [], [value], 42, 'string', true, { value }]), what: 'whole body' };
  }
  const p = leaves.length ? pick(leaves) : { path: [] as Path, value };
  return { value: setAt(value, p.path, pick(NASTY_VALUES)), what: `nasty ${p.path.join('.')}` };
}

interface Wire {
  body?: string | Buffer;
  contentType?: string;
  extraHeaders?: Record<string, string>;
  what: string;
}

/** How the value goes on the wire: mostly JSON, sometimes broken JSON or another content type. */
function encode(value: unknown): Wire {
  const json = JSON.stringify(value) ?? 'null';
  const r = rand();
  if (r < 0.8) return { body: json, contentType: 'application/json', what: 'json' };
  if (r < 0.83)
    return {
      body: json.slice(0, int(0, Math.max(0, json.length - 1))),
      contentType: 'application/json',
      what: 'truncated json',
    };
  if (r < 0.85)
    return { body: `${json}}garbage`, contentType: 'application/json', what: 'trailing garbage' };
  if (r < 0.86)
    return {
      body: json.replace(/-?\d+(\.\d+)?/, '1e999'),
      contentType: 'application/json',
      what: 'infinite number',
    };
  if (r < 0.87) return { body: `\ufeff${json}`, contentType: 'application/json', what: 'bom' };
  if (r < 0.88)
    return {
      body: `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
      contentType: 'application/json',
      what: 'deep nesting',
    };
  if (r < 0.89)
    return {
      body: json.replace(/"/g, "'"),
      contentType: 'application/json',
      what: 'single quotes',
    };
  if (r < 0.9) return { body: '', contentType: 'application/json', what: 'empty json' };
  if (r < 0.92) return { body: json, contentType: 'text/plain', what: 'text/plain' };
  if (r < 0.94)
    return { body: 'a=1&b=%00', contentType: 'application/x-www-form-urlencoded', what: 'form' };
  if (r < 0.96)
    return {
      body: Buffer.from(json),
      contentType: 'application/octet-stream',
      what: 'octet-stream',
    };
  if (r < 0.97)
    return { body: json, contentType: 'application/json; charset=utf-16', what: 'utf-16 charset' };
  if (r < 0.98)
    return {
      body: json,
      contentType: 'application/json',
      extraHeaders: { 'content-encoding': pick(['gzip', 'br', 'identity, x']) },
      what: 'bad encoding',
    };
  if (r < 0.99)
    return {
      body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
      contentType: 'multipart/form-data; boundary=x',
      what: 'multipart',
    };
  return { body: undefined, contentType: undefined, what: 'no body' };
}

/** encodeURIComponent, except that an unpaired surrogate goes out as the (invalid) UTF-8 of its code unit. */
const percent = (s: string) =>
  s.replace(/[\s\S]/gu, (c) =>
    c.length === 1 && c >= '\ud800' && c <= '\udfff' ? '%ED%A0%80' : encodeURIComponent(c),
  );

/** A query string from the route's query schema (or a random one), then broken. */
function queryFor(
  input: RouteInput | undefined,
  ids: Ids,
  refuseOnly: boolean,
): { qs: string; what: string } {
  const base = input?.query ? (sample(jsonSchemaOf(input.query), '', ids) as Json) : {};
  const params: [string, string][] = Object.entries(base).map(([k, v]) => [
    k,
    typeof v === 'string' ? v : JSON.stringify(v),
  ]);
  let what = 'query';
  const r = rand();
  if (refuseOnly || r < 0.5) {
    const kind = int(0, 6);
    const key =
      params.length && chance(0.8) ? pick(params)[0] : pick(['q', 'scheme', 'from', 'limit', 'x']);
    const others = params.filter(([k]) => k !== key);
    const raw = (v: string) => `${encodeURIComponent(key)}=${v}`;
    const rest = others.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
    const bad = [
      raw('%00'),
      raw('%ED%A0%80'),
      raw('%ZZ%'),
      `${raw('a')}&${raw('b')}`,
      `${encodeURIComponent(key)}[x]=1`,
      raw(percent(pick(NASTY_STRINGS))),
      raw('x'.repeat(int(1, 4000))),
    ][kind];
    what = `query ${key} #${kind}`;
    return { qs: [...rest, bad].join('&'), what };
  }
  return {
    qs: params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'),
    what,
  };
}

function pathFor(route: Route, ids: Ids): { path: string; what: string } {
  let what = 'path';
  const path = route.path.replace(/:(\w+)/g, (_m, name: string, offset: number) => {
    const before = route.path.slice(0, offset);
    const r = rand();
    if (r < 0.82) {
      const pool = /assignments\/$/.test(before)
        ? ids.assignment
        : /units\/$/.test(before)
          ? ids.unit
          : /response-plans\/$/.test(before)
            ? ids.plan
            : /alerts\/$/.test(before)
              ? ids.alert
              : /incidents\/$/.test(before)
                ? ids.incident
                : Object.values(ids).flat();
      return pool.length ? pick(pool) : randomUuid();
    }
    const bad = pick([
      randomUuid(),
      'not-an-id',
      '%00',
      '%ED%A0%80',
      '%E0%A4%A',
      '..%2F..',
      'x'.repeat(2000),
      randomUuid().toUpperCase(),
      `${randomUuid()}%00`,
      '%E4%B8%AD',
      '0',
      '-1',
      ' ',
      '%20',
    ]);
    what = `path ${name}=${bad.slice(0, 40)}`;
    return bad;
  });
  return { path, what };
}

// ---------------------------------------------------------------------------------------------

describe(`fuzzing every route (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let base: string;
  let ids: Ids;
  let routes: Route[];
  let dir: string;
  let superToken: string;

  const counts = async () =>
    (await COUNTS_SQL.execute(stack.api().app.get(DatabaseService).db)).rows[0];

  beforeAll(async () => {
    // a small synthetic district around the fixtures' incident point: routing routes do real work, quickly
    dir = mkdtempSync(join(tmpdir(), 'ringcad-fuzz-'));
    const roads = join(dir, 'roads.geojson');
    writeFileSync(
      roads,
      JSON.stringify(generateCity({ seed: 7, targetNodes: 1500, center: INCIDENT_POINT }).roads),
    );
    stack = await createStack(
      {
        ROAD_NETWORK: roads,
        // nothing may change the database on its own while batches are being compared
        ACK_TIMEOUT_P1_SEC: '86400',
        ACK_TIMEOUT_P2_SEC: '86400',
        ACK_TIMEOUT_P3_SEC: '86400',
        COVERAGE_PUSH_SEC: '0',
      },
      { clock },
    );
    base = (await stack.startApi()).url;
    world = await buildWorld(base, 6);
    const incident = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'fire',
      priority: 2,
      callerName: '王小明',
    });
    const assignment = await world.dispatcher.post(
      `/api/v1/incidents/${incident.body.incident.id}/assignments`,
      { unitIds: [world.units[0].id] },
    );
    const checkpoint = await world.admin.post('/api/v1/checkpoints', {
      name: '卡点1',
      location: { lon: INCIDENT_POINT.lon + 0.01, lat: INCIDENT_POINT.lat },
    });
    const standby = await world.admin.post('/api/v1/standby-points', {
      name: '备勤1',
      location: { lon: INCIDENT_POINT.lon - 0.01, lat: INCIDENT_POINT.lat },
    });
    const plan = await world.admin.post('/api/v1/response-plans', {
      category: 'criminal',
      priority: 1,
      scheme: '1-3-8',
      units: [{ kind: 'patrol_car', count: 1, tier: 0 }],
    });
    for (const r of [incident, assignment, checkpoint, standby, plan])
      expect(r.status).toBeLessThan(300);
    ids = {
      incident: [incident.body.incident.id],
      assignment: [assignment.body.assignments[0].id],
      unit: world.units.map((u) => u.id),
      jurisdiction: [world.districtId],
      checkpoint: [checkpoint.body.id],
      standby: [standby.body.id],
      plan: [plan.body.id],
      alert: [],
    };
    const roles = ['admin', 'calltaker', 'dispatcher', 'commander'];
    expect(
      (
        await world.admin.post('/api/v1/users', {
          username: 'fuzz_super',
          password: 'fuzz-super-password',
          roles,
        })
      ).status,
    ).toBe(201);
    superToken = (
      await client(base).post('/api/v1/auth/login', {
        username: 'fuzz_super',
        password: 'fuzz-super-password',
      })
    ).body.accessToken;
    // sign-out would end the fuzzing sessions themselves (login-hardening covers it)
    routes = routesOf(stack).filter((r) => r.path !== '/api/v1/auth/logout');
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('enumerates the registered routes from the router', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    expect(names.length).toBeGreaterThanOrEqual(40);
    expect(names).toEqual(expect.arrayContaining(CORE_ROUTES));
  });

  it('limits incidents to the road network plus its margin when no SERVICE_AREA_BBOX is set', async () => {
    const before = await counts();
    const beijing = await world.calltaker.post('/api/v1/incidents', {
      location: { lon: 116.397, lat: 39.909 },
      category: 'fire',
      priority: 2,
    });
    expect(beijing.status).toBe(400);
    expect(beijing.body.error.message).toMatch(/road network/);
    expect(beijing.body.error.details).toContainEqual(
      expect.objectContaining({ path: 'location' }),
    );
    // one corner typed as 0.3 instead of 30.3 would make a district span half the globe
    const { lon, lat } = INCIDENT_POINT;
    const stray = await world.admin.post('/api/v1/jurisdictions', {
      name: '歪区',
      kind: 'district',
      boundary: {
        type: 'Polygon',
        coordinates: [
          [
            [lon, lat],
            [lon + 0.01, lat],
            [lon + 0.01, 0.3],
            [lon, lat],
          ],
        ],
      },
    });
    expect(stray.status).toBe(400);
    expect(stray.body.error.details).toContainEqual(
      expect.objectContaining({ path: 'boundary.coordinates.0.2' }),
    );
    expect(await counts()).toEqual(before);
  });

  it(`answers ${REQUESTS} mutated requests over every route with no 5xx, our error shape, and no write when refused`, async () => {
    rand = mulberry32(SEED);
    console.log(
      `fuzz seed ${SEED} (FUZZ_SEED=${SEED} replays it), ${REQUESTS} requests over ${routes.length} routes`,
    );
    const tokens: { name: string; token?: string; weight: number }[] = [
      // an admin who also holds every other role, so role checks let the body through to the service
      { name: 'admin', token: superToken, weight: 0.8 },
      { name: 'admin-only', token: world.tokens.admin, weight: 0.04 },
      { name: 'calltaker', token: world.tokens.calltaker, weight: 0.03 },
      { name: 'dispatcher', token: world.tokens.dispatcher, weight: 0.04 },
      { name: 'commander', token: world.tokens.commander, weight: 0.03 },
      { name: 'terminal', token: world.units[1].token, weight: 0.03 },
      { name: 'none', token: undefined, weight: 0.02 },
      { name: 'bogus', token: 'u_not-a-real-token', weight: 0.01 },
    ];
    const who = () => {
      let r = rand();
      for (const t of tokens) if ((r -= t.weight) < 0) return t;
      return tokens[0];
    };
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const spent = new Map<string, number>();
    const succeeded = new Set<string>();
    const created = new Map<string, number>();
    let checkedBatches = 0;
    let refusedRequests = 0;
    const started = Date.now();

    /** What accepted requests created becomes the ids later requests talk about. */
    const harvest = (route: string, text: string) => {
      if (!route.startsWith('POST') && !route.startsWith('PUT')) return;
      let b: {
        id?: string;
        incident?: { id?: string };
        unit?: { id?: string };
        assignments?: { id?: string }[];
      };
      try {
        b = JSON.parse(text) as typeof b;
      } catch {
        return;
      }
      const add = (pool: string[], id: unknown) =>
        typeof id === 'string' && pool.length < 200 && !pool.includes(id) && pool.push(id);
      add(ids.incident, b?.incident?.id);
      add(ids.unit, b?.unit?.id);
      for (const a of Array.isArray(b?.assignments) ? b.assignments : [])
        add(ids.assignment, a?.id);
      if (route.includes('/checkpoints')) add(ids.checkpoint, b?.id);
      if (route.includes('/standby-points')) add(ids.standby, b?.id);
      if (route.includes('/jurisdictions')) add(ids.jurisdiction, b?.id);
      if (route.includes('/response-plans')) add(ids.plan, b?.id);
    };

    const one = (refuseOnly: boolean) => {
      const wrongMethod = chance(0.01);
      const route = pick(routes);
      const method = wrongMethod ? pick(['PATCH', 'DELETE', 'PUT', 'POST', 'GET']) : route.method;
      const input =
        INPUTS[`${route.method} ${route.path}`] ??
        (method === 'GET' ? {} : { body: pick(CONTRACT_OBJECT_SCHEMAS) });
      const { path, what: pathWhat } = pathFor(route, ids);
      const { qs, what: queryWhat } = queryFor(
        input,
        ids,
        refuseOnly && !input.body && method === 'GET',
      );
      const user = who();
      let wire: Wire = { what: 'no body' };
      let bodyWhat = '';
      if (method !== 'GET' && method !== 'HEAD') {
        const known = route.method === 'POST' && route.path === '/api/v1/auth/login' && chance(0.5);
        const valid = known
          ? { username: 'commander', password: 'commander-password' }
          : input.body
            ? sample(jsonSchemaOf(input.body), '', ids)
            : {};
        const saturated =
          (created.get(`${route.method} ${route.path}`) ?? 0) >= MAX_CREATED_PER_ROUTE;
        const m = mutate(valid, refuseOnly || saturated);
        bodyWhat = m.what;
        wire = encode(m.value);
      }
      const url = `${path}${qs ? `?${qs}` : ''}`;
      const desc = `${user.name} ${method} ${url.slice(0, 200)} [${[pathWhat, queryWhat, bodyWhat, wire.what].join('; ')}]`;
      return { method, url, user, wire, desc, route: `${route.method} ${route.path}` };
    };

    const send = async (r: ReturnType<typeof one>) => {
      const headers: Record<string, string> = { ...(r.wire.extraHeaders ?? {}) };
      if (r.wire.contentType) headers['content-type'] = r.wire.contentType;
      if (r.user.token) headers.authorization = `Bearer ${r.user.token}`;
      if (chance(0.05)) headers.accept = pick(['text/csv', 'application/xml', '*/*', 'text/html']);
      const t0 = Date.now();
      try {
        const res = await fetch(`${base}${r.url}`, {
          method: r.method,
          headers,
          body: r.wire.body,
          signal: AbortSignal.timeout(60_000),
        });
        const text = await res.text();
        if (res.status >= 200 && res.status < 300) {
          harvest(r.route, text);
          if (r.method === 'POST') created.set(r.route, (created.get(r.route) ?? 0) + 1);
        }
        spent.set(r.route, (spent.get(r.route) ?? 0) + Date.now() - t0);
        if (process.env.FUZZ_PROGRESS && Date.now() - t0 > 5000)
          process.stderr.write(`slow ${Date.now() - t0} ms ${res.status}: ${r.desc}\n`);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) failures.push(`${res.status} ${r.desc} → ${text.slice(0, 300)}`);
        else if (res.status >= 400) {
          let body = null as { error?: { code?: unknown; message?: unknown } } | null;
          try {
            body = JSON.parse(text) as typeof body;
          } catch {
            /* checked below */
          }
          const e = body?.error;
          if (
            !e ||
            !ERROR_CODES.includes(e.code as (typeof ERROR_CODES)[number]) ||
            typeof e.message !== 'string' ||
            !e.message
          ) {
            failures.push(
              `${res.status} without our error shape: ${r.desc} → ${text.slice(0, 200)}`,
            );
          }
        }
        return res.status;
      } catch (err) {
        failures.push(`no answer: ${r.desc} → ${(err as Error).message}`);
        return 0;
      }
    };

    let before = await counts();
    for (let sent = 0; sent < REQUESTS;) {
      // the second half only sends mutations meant to be refused, so most batches can be compared
      const refuseOnly = sent >= REQUESTS / 2;
      const batch = Array.from({ length: Math.min(CONCURRENCY, REQUESTS - sent) }, () =>
        one(refuseOnly),
      );
      sent += batch.length;
      const results = await Promise.all(batch.map(send));
      // every write of an accepted request is committed before its answer, so this batch's
      // "after" is the next one's "before"
      const after = await counts();
      const wrote = results.some((s, i) => s < 400 && batch[i].method !== 'GET');
      if (!wrote) {
        refusedRequests += batch.length;
        checkedBatches++;
        const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
        if (changed.length) {
          failures.push(
            `refused batch changed ${changed.map((k) => `${k} ${before[k]}→${after[k]}`).join(', ')}:\n  ${batch.map((b, i) => `${results[i]} ${b.desc}`).join('\n  ')}`,
          );
        }
      }
      for (let i = 0; i < batch.length; i++)
        if (results[i] >= 200 && results[i] < 300) succeeded.add(batch[i].route);
      before = after;
      if (failures.length > 50) break;
      if (
        process.env.FUZZ_PROGRESS &&
        Math.floor(sent / 250) !== Math.floor((sent - batch.length) / 250)
      ) {
        const top = [...spent]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 4)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        process.stderr.write(
          `fuzz ${sent} at ${((Date.now() - started) / 1000).toFixed(0)} s; slowest: ${top}\n`,
        );
      }
    }
    console.log(
      `fuzz: ${REQUESTS} requests in ${((Date.now() - started) / 1000).toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}; ${checkedBatches} all-refused batches (${refusedRequests} requests) compared`,
    );
    const neverAccepted = routes
      .map((r) => `${r.method} ${r.path}`)
      .filter((r) => !succeeded.has(r));
    console.log(
      `routes never answered 2xx: ${neverAccepted.length ? neverAccepted.join(', ') : 'none'}`,
    );
    console.log(
      `slowest routes (total ms): ${[...spent]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    expect(failures.slice(0, 20)).toEqual([]);
    expect(checkedBatches).toBeGreaterThan(REQUESTS / CONCURRENCY / 4);
    // the run was not vacuous: plenty of requests got through to the services and plenty were refused
    expect([...statuses].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0)).toBeGreaterThan(
      REQUESTS / 10,
    );
    expect(statuses.get(400) ?? 0).toBeGreaterThan(REQUESTS / 4);
  }, 600_000);
});
