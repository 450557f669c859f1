import { RequestMethod, type Type } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { z } from 'zod';
import { ERROR_CODES, errorBodySchema, type ErrorCode } from '@ringcad/contracts';
import { ROLES } from '@ringcad/domain';
import { ACCESS_KEY, type AccessRule } from '../auth/access';
import { apiRouteOf, type ApiRouteSpec } from '../common/api-route';
import { STATUS_OF } from '../common/error-filter';

type JsonSchema = Record<string, unknown>;

export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, JsonSchema>>;
  components: JsonSchema;
  tags: { name: string }[];
};

const HTTP_METHODS: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.DELETE]: 'delete',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.HEAD]: 'head',
  [RequestMethod.OPTIONS]: 'options',
};

const ERROR_MEANING: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'the request does not match the schema (details lists every problem)',
  UNAUTHENTICATED: 'no valid bearer token',
  FORBIDDEN: "the caller's role (or a unit terminal) may not use this route",
  OUT_OF_SCOPE: "the target lies outside the caller's jurisdiction scope",
  NOT_FOUND: 'no such resource',
  CONFLICT: 'the current state does not allow it',
  UNIT_UNAVAILABLE: 'a unit is not available (details.units lists them); nothing was assigned',
  INCIDENT_CLOSED: 'the incident is closed or cancelled',
  ILLEGAL_TRANSITION: 'the assignment cannot take this event in its current status',
  STALE_VERSION: 'the resource changed since the version the client saw',
  IN_USE: 'still referenced (details.references counts by whom); nothing was changed',
  BUILTIN: 'a built-in record: relabel or disable it, it cannot be removed or replaced',
  IDEMPOTENCY_KEY_REUSED:
    'the Idempotency-Key was used before with a different request (details.incidentId)',
  RATE_LIMITED: 'too many attempts; Retry-After says when to come back',
  PAYLOAD_TOO_LARGE: 'the request body exceeds the limit',
  UNSUPPORTED_MEDIA_TYPE:
    'the body is not of a media type this route takes (JSON everywhere but uploads)',
  UNAVAILABLE: 'not ready yet; Retry-After says when to come back',
  DEPENDENCY_DOWN: 'the database or the job queue is down; Retry-After says when to come back',
  IMPORT_REFUSED: 'an import with refused rows (details.rows: row, errors); nothing was written',
  INTERNAL: 'an unexpected server error',
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  // transforms and refinements have no JSON Schema form: the schema before them is what is published
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

function asArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function joinPath(base: string, sub: string): string {
  const p = `/${[base, sub].filter(Boolean).join('/')}`.replace(/\/+/g, '/');
  return p.length > 1 ? p.replace(/\/$/, '') : p;
}

/** Express-style `:id` segments become OpenAPI `{id}` templates. */
const toTemplate = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
const pathParams = (path: string) => [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);

function queryParameters(query: z.ZodType): JsonSchema[] {
  const schema = jsonSchema(query, 'input');
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => {
    // a defaulted query parameter is optional to the client even though the parsed value always exists
    const optional = s.default !== undefined || !required.has(name);
    return {
      name,
      in: 'query',
      required: !optional,
      ...(typeof s.description === 'string' ? { description: s.description } : {}),
      schema: s,
    };
  });
}

/** The error codes a route can answer with: declared ones plus those its kind always has. */
export function errorCodesOf(
  spec: ApiRouteSpec | undefined,
  access: AccessRule,
  path: string,
): ErrorCode[] {
  const codes = new Set<ErrorCode>(spec?.errors ?? []);
  if (!access.public) {
    codes.add('UNAUTHENTICATED');
    codes.add('FORBIDDEN');
    codes.add('OUT_OF_SCOPE');
  }
  if (spec?.body || spec?.query || pathParams(path).length) codes.add('VALIDATION_FAILED');
  if (spec?.body || spec?.rawBody) codes.add('PAYLOAD_TOO_LARGE');
  if (pathParams(path).length) codes.add('NOT_FOUND');
  codes.add('DEPENDENCY_DOWN');
  codes.add('INTERNAL');
  return ERROR_CODES.filter((c) => codes.has(c));
}

function errorResponses(codes: ErrorCode[]): Record<string, JsonSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const c of codes) byStatus.set(STATUS_OF[c], [...(byStatus.get(STATUS_OF[c]) ?? []), c]);
  const out: Record<string, JsonSchema> = {};
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    const schema = jsonSchema(errorBodySchema, 'output');
    const error = (schema.properties as Record<string, JsonSchema>).error;
    (error.properties as Record<string, JsonSchema>).code = { type: 'string', enum: list };
    const retry = status === 429 || status === 503;
    out[String(status)] = {
      description: list.map((c) => `${c}: ${ERROR_MEANING[c]}`).join('; '),
      ...(retry
        ? { headers: { 'Retry-After': { description: 'seconds', schema: { type: 'integer' } } } }
        : {}),
      content: { 'application/json': { schema } },
    };
  }
  return out;
}

function accessText(access: AccessRule): string {
  if (access.public) return 'Public: no token needed.';
  const roles = access.roles ?? ROLES;
  return `Roles: ${roles.join(', ')}${access.terminal ? '; unit terminals too (for their own unit)' : ''}.`;
}

export interface DiscoveredRoute {
  controller: Type;
  handlerName: string;
  handler: object;
  method: string;
  /** Express-style path (`/api/v1/incidents/:id`). */
  path: string;
}

/** Every HTTP route of these controllers, read from Nest's routing metadata (the same the router uses). */
export function discoverRoutes(controllers: Type[]): DiscoveredRoute[] {
  const routes: DiscoveredRoute[] = [];
  for (const controller of controllers) {
    const bases = asArray(
      Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined,
    );
    const proto = controller.prototype as Record<string, unknown>;
    for (const handlerName of Object.getOwnPropertyNames(proto)) {
      const handler = proto[handlerName];
      if (handlerName === 'constructor' || typeof handler !== 'function') continue;
      const subs = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const verb = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (subs === undefined || verb === undefined) continue;
      const method = HTTP_METHODS[verb];
      if (!method) continue;
      for (const base of bases.length ? bases : ['']) {
        for (const sub of asArray(subs))
          routes.push({ controller, handlerName, handler, method, path: joinPath(base, sub) });
      }
    }
  }
  return routes;
}

function operation(route: DiscoveredRoute): JsonSchema {
  const spec = apiRouteOf(route.handler);
  const access =
    (Reflect.getMetadata(ACCESS_KEY, route.handler) as AccessRule | undefined) ??
    (Reflect.getMetadata(ACCESS_KEY, route.controller) as AccessRule | undefined) ??
    ({ scope: 'none' } satisfies AccessRule);
  const declared = Reflect.getMetadata(HTTP_CODE_METADATA, route.handler) as number | undefined;
  const status = declared ?? (route.method === 'post' ? 201 : 200);
  const tag = route.controller.name.replace(/Controller$/, '');
  const parameters = [
    ...pathParams(route.path).map((name) => ({
      name,
      in: 'path',
      required: true,
      // our ids are UUIDs (checked by uuidParam); other path parameters are names
      schema: /(^id|Id)$/.test(name) ? { type: 'string', format: 'uuid' } : { type: 'string' },
    })),
    ...(spec?.query ? queryParameters(spec.query) : []),
  ];
  const success: JsonSchema = { description: spec?.summary ?? 'undocumented' };
  if (spec?.response) {
    const mediaType = spec.mediaType ?? 'application/json';
    const content: Record<string, JsonSchema> = {
      [mediaType]: { schema: jsonSchema(spec.response, 'output') },
    };
    // text (CSV) or bytes (a binary answer)
    for (const alt of spec.alternatives ?? [])
      content[alt] = {
        schema:
          alt === 'application/octet-stream'
            ? { type: 'string', format: 'binary' }
            : { type: 'string' },
      };
    success.content = content;
  }
  const requestBody = spec?.body
    ? {
        required: true,
        content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } },
      }
    : spec?.rawBody
      ? {
          required: true,
          content: {
            [spec.rawBody]: { schema: { type: 'string', contentMediaType: spec.rawBody } },
          },
        }
      : undefined;
  return {
    operationId: `${tag}.${route.handlerName}`,
    summary: spec?.summary ?? 'undocumented',
    description: [spec?.description, accessText(access)].filter(Boolean).join('\n\n'),
    tags: [tag],
    security: access.public ? [] : [{ bearer: [] }],
    'x-roles': access.public ? [] : (access.roles ?? [...ROLES]),
    'x-terminal': Boolean(access.terminal),
    ...(spec ? {} : { 'x-undocumented': true }),
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: {
      [String(status)]: success,
      ...errorResponses(errorCodesOf(spec, access, route.path)),
    },
  };
}

/**
 * The OpenAPI 3.1 document of these controllers: every route Nest registers, with its access rule,
 * request and response schemas (from libs/contracts) and the error codes with their statuses.
 * A route without `@ApiRoute` still appears, marked `x-undocumented`, so a test can refuse it.
 */
export function buildOpenApiDocument(controllers: Type[], version: string): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  const tags = new Set<string>();
  for (const route of discoverRoutes(controllers)) {
    const op = operation(route);
    (op.tags as string[]).forEach((t) => tags.add(t));
    const key = toTemplate(route.path);
    paths[key] = { ...paths[key], [route.method]: op };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'RingCAD API',
      version,
      description:
        'The public contract of RingCAD, generated from the running code. Errors are `{"error": {code, message, details?}}`; ' +
        'clients switch on `code`. A refused request changes nothing. Times are ISO-8601 strings, durations seconds, ' +
        'coordinates WGS84 `{lon, lat}` unless a `crs` says otherwise.',
    },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'a user access token (POST /api/v1/auth/login) or a unit terminal token (POST /api/v1/units)',
        },
      },
    },
    tags: [...tags].sort().map((name) => ({ name })),
  };
}
