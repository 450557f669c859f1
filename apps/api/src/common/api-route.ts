import type { z } from 'zod';
import type { ErrorCode } from '@ringcad/contracts';

export const API_ROUTE_KEY = 'ringcad:api-route';

/** What the published contract (`GET /api/openapi.json`) says about one route. */
export interface ApiRouteSpec {
  summary: string;
  description?: string;
  /** JSON request body, as the controller parses it. */
  body?: z.ZodType;
  /** A raw (non-JSON) request body of this media type. */
  rawBody?: string;
  /** Query string, as the controller parses it (each property one parameter). */
  query?: z.ZodType;
  /** The success body; `null` when there is none (204). */
  response: z.ZodType | null;
  /** Media type of the success body (default `application/json`). */
  mediaType?: string;
  /**
   * Further media types the same route answers with, as text chosen by `Accept` (e.g. `text/csv`)
   * or as bytes chosen by a query parameter (`application/octet-stream`, e.g. `format=binary`).
   */
  alternatives?: string[];
  /** The handler writes the response itself (`@Res()`), so its return value says nothing. */
  raw?: boolean;
  /**
   * Error codes this route answers with beyond the ones every route of its kind has (authentication,
   * validation of declared inputs, NOT_FOUND for `:id`, INTERNAL, DEPENDENCY_DOWN).
   */
  errors?: ErrorCode[];
}

/** What a handler under this spec may return: the response schema's type, checked at compile time. */
type Payload<S extends ApiRouteSpec> = S['raw'] extends true
  ? unknown
  : S['response'] extends z.ZodType
    ? z.input<S['response']> | (S['alternatives'] extends string[] ? string : never)
    : unknown;

/**
 * Declares a route in the published contract. The handler's return type must match the response
 * schema, so the document cannot drift from what the code returns without the build failing.
 */
export function ApiRoute<const S extends ApiRouteSpec>(spec: S) {
  return <T extends (...args: never[]) => Payload<S> | Promise<Payload<S>>>(
    _target: object,
    _key: string | symbol,
    descriptor: TypedPropertyDescriptor<T>,
  ): TypedPropertyDescriptor<T> => {
    if (descriptor.value) Reflect.defineMetadata(API_ROUTE_KEY, spec, descriptor.value);
    return descriptor;
  };
}

export function apiRouteOf(handler: object): ApiRouteSpec | undefined {
  return Reflect.getMetadata(API_ROUTE_KEY, handler) as ApiRouteSpec | undefined;
}
