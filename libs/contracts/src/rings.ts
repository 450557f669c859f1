import { z } from 'zod';
import { latSchema, lonSchema, safeText, uuidSchema } from './common';

const minutesList = safeText()
  .default('1,3,8')
  .transform((s, ctx) => {
    const values = s.split(',').map((v) => Number(v.trim()));
    if (values.some((v) => !Number.isFinite(v) || v <= 0 || v > 120)) {
      ctx.addIssue({ code: 'custom', message: 'minutes must be numbers in (0, 120]' });
      return z.NEVER;
    }
    if (values.length > 6) {
      ctx.addIssue({ code: 'custom', message: 'at most 6 rings' });
      return z.NEVER;
    }
    return [...new Set(values)].sort((a, b) => a - b);
  });

export const isochroneQuerySchema = z.object({
  lon: z.coerce.number().pipe(lonSchema),
  lat: z.coerce.number().pipe(latSchema),
  minutes: minutesList,
  direction: z.enum(['to', 'from']).default('to'),
});

export const bboxQuerySchema = z.object({
  bbox: safeText()
    .transform((s, ctx) => {
      const v = s.split(',').map(Number);
      if (v.length !== 4 || v.some((x) => !Number.isFinite(x)) || v[0] >= v[2] || v[1] >= v[3]) {
        ctx.addIssue({ code: 'custom', message: 'bbox must be w,s,e,n with w<e and s<n' });
        return z.NEVER;
      }
      return v as [number, number, number, number];
    })
    .optional(),
});

/** `GET /road-network/geojson`: a box, and optionally one class group merged per street for the basemap. */
export const roadGeojsonQuerySchema = bboxQuerySchema.extend({
  classes: z.enum(['major', 'minor']).optional(),
});

/** A road tile's address (XYZ, Web Mercator); tiles are cut down to z14 and over-zoomed below. */
export const roadTileParamsSchema = z
  .object({
    z: z.coerce.number().int().min(0).max(14),
    x: z.coerce.number().int().min(0),
    y: z.coerce.number().int().min(0),
  })
  .refine((t) => t.x < 2 ** t.z && t.y < 2 ** t.z, { message: 'tile outside the world' });

export const routeQuerySchema = z.object({ unitId: uuidSchema });

export const importQuerySchema = z.object({ format: z.enum(['osm', 'pbf', 'geojson']) });

export const placeSearchQuerySchema = z.object({
  q: safeText().trim().min(1).max(100),
  limit: z.coerce.number().int().min(1).max(50).default(10),
});
