import { z } from 'zod';

export const lonSchema = z.number().finite().gte(-180).lte(180);
export const latSchema = z.number().finite().gte(-90).lte(90);
export const pointSchema = z.object({ lon: lonSchema, lat: latSchema });
export type LonLat = z.infer<typeof pointSchema>;

export const crsSchema = z.enum(['WGS84', 'GCJ02', 'BD09']);
export type Crs = z.infer<typeof crsSchema>;

export const uuidSchema = z.string().uuid();
export const isoDateTimeSchema = z.string().datetime({ offset: true });

const position = z.tuple([z.number().finite(), z.number().finite()]).rest(z.number().finite());
const ring = z.array(position).min(4);
export const polygonSchema = z.object({ type: z.literal('Polygon'), coordinates: z.array(ring).min(1) });
export const multiPolygonSchema = z.object({
  type: z.literal('MultiPolygon'),
  coordinates: z.array(z.array(ring).min(1)).min(1),
});
export const areaGeometrySchema = z.discriminatedUnion('type', [polygonSchema, multiPolygonSchema]);
export type AreaGeometry = z.infer<typeof areaGeometrySchema>;

export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  /** a unit asked for is not available (details.units lists them); nothing was assigned */
  'UNIT_UNAVAILABLE',
  /** the incident is closed or cancelled */
  'INCIDENT_CLOSED',
  /** an assignment event its current status does not allow */
  'ILLEGAL_TRANSITION',
  /** the client's version of the resource is out of date */
  'STALE_VERSION',
  /** an Idempotency-Key already used with a different request (422; details.incidentId) */
  'IDEMPOTENCY_KEY_REUSED',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  /** a body in a content type the route does not take (JSON everywhere but the road-network upload) */
  'UNSUPPORTED_MEDIA_TYPE',
  'UNAVAILABLE',
  /** a dependency (database, Redis/queue) is down: 503 with Retry-After and details.dependency */
  'DEPENDENCY_DOWN',
  /** the principal's jurisdiction scope does not cover the target */
  'OUT_OF_SCOPE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}
