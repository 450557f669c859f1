import { z } from 'zod';
import { ERROR_CODES } from '../constants';

/** A WGS84 point as every response gives it. */
export const lonLatViewSchema = z.object({ lon: z.number(), lat: z.number() });

/** GeoJSON geometry as PostGIS hands it back; its structure is GeoJSON's (RFC 7946), not checked here. */
export const geoJsonGeometryViewSchema = z
  .object({ type: z.string() })
  .catchall(z.unknown())
  .describe('GeoJSON geometry (RFC 7946)');

const polygonCoordinates = z.array(z.array(z.array(z.number())));
export const areaGeometryViewSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Polygon'), coordinates: polygonCoordinates }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(polygonCoordinates) }),
]);

export const labelSchema = z.object({ zh: z.string(), en: z.string() });

/** Every refused request: the code is what clients switch on, the message is for logs and people. */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    details: z.unknown().optional(),
    /** the request's id (also its X-Request-Id header), written into every log line served for it */
    requestId: z.string().optional(),
  }),
});
