import { z } from 'zod';
import type { ErrorCode } from './constants';

export const lonSchema = z.number().finite().gte(-180).lte(180);
export const latSchema = z.number().finite().gte(-90).lte(90);
export const pointSchema = z.object({ lon: lonSchema, lat: latSchema });
export type LonLat = z.infer<typeof pointSchema>;

export const crsSchema = z.enum(['WGS84', 'GCJ02', 'BD09']);
export type Crs = z.infer<typeof crsSchema>;

/**
 * What no text field may hold: NUL and the other C0 controls except tab, newline and carriage
 * return (PostgreSQL refuses NUL in text and jsonb), and UTF-16 surrogates without their pair
 * (they have no UTF-8 form: jsonb refuses their escapes, text silently turns them into U+FFFD).
 */
const UNSAFE_TEXT =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const UNSAFE_TEXT_MESSAGE =
  'must not contain NUL, control characters or unpaired surrogates';

/** True when `s` can be stored and shown as it is (see UNSAFE_TEXT). */
export function isSafeText(s: string): boolean {
  return !UNSAFE_TEXT.test(s);
}

/** The string builder every text field of the contract starts from (bodies and query strings). */
export function safeText() {
  return z.string().refine(isSafeText, UNSAFE_TEXT_MESSAGE);
}

export const uuidSchema = z.string().uuid();
export const isoDateTimeSchema = z.string().datetime({ offset: true });
/**
 * A time bounding a search (`from`, `to`): year 0000 passes the ISO format and breaks timestamp
 * arithmetic in the database, so searches stay in this era.
 */
export const queryDateTimeSchema = isoDateTimeSchema.refine((s) => {
  const t = Date.parse(s);
  return t >= Date.UTC(1970, 0, 1) && t <= Date.UTC(2999, 11, 31);
}, 'must lie between 1970 and 2999');
/** An id naming a ring scheme (`1-3-8`, ...): never empty; whether it exists is the service's check. */
export const schemeIdSchema = safeText().min(1).max(40);

// GeoJSON positions are WGS84 too: an out-of-range corner is a typo, and PostGIS fails on some
const position = z.tuple([lonSchema, latSchema]).rest(z.number().finite());
// GeoJSON (RFC 7946 3.1.6): a linear ring ends where it starts; PostGIS errors on an open one
const ring = z
  .array(position)
  .min(4)
  .refine(
    (r) => r.length < 4 || (r[0][0] === r[r.length - 1][0] && r[0][1] === r[r.length - 1][1]),
    'a linear ring must end where it starts',
  );
export const polygonSchema = z.object({
  type: z.literal('Polygon'),
  coordinates: z.array(ring).min(1),
});
export const multiPolygonSchema = z.object({
  type: z.literal('MultiPolygon'),
  coordinates: z.array(z.array(ring).min(1)).min(1),
});
export const areaGeometrySchema = z.discriminatedUnion('type', [polygonSchema, multiPolygonSchema]);
export type AreaGeometry = z.infer<typeof areaGeometrySchema>;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown; requestId?: string };
}
