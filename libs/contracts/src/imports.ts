import { z } from 'zod';
import { safeText } from './common';
import { jurisdictionKindSchema } from './places';
import { IMPORT_ISSUE_CODES, IMPORT_KINDS } from './constants';

export { IMPORT_KINDS, IMPORT_TARGET_FIELDS, type ImportKind } from './constants';

const booleanQuery = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

export const bulkImportQuerySchema = z.object({
  kind: z.enum(IMPORT_KINDS),
  /** The coordinate system of the file's coordinates (stored as WGS84). */
  crs: z
    .enum(['wgs84', 'gcj02', 'bd09', 'WGS84', 'GCJ02', 'BD09'])
    .default('wgs84')
    .transform((v) => v.toUpperCase() as 'WGS84' | 'GCJ02' | 'BD09'),
  /** Default true: nothing is written unless `dryRun=false`. */
  dryRun: booleanQuery.default(true),
  /** JSON object: target field → the file's field, e.g. `{"name":"NAME","parent":"DISTRICT"}`. */
  mapping: safeText().max(4000).optional(),
  /** The kind of the jurisdictions a file without a `kind` field holds. */
  jurisdictionKind: jurisdictionKindSchema.default('district'),
});
export type BulkImportQuery = z.infer<typeof bulkImportQuerySchema>;

/** The mapping's JSON (target field → file field). */
export const importMappingSchema = z.record(safeText().max(40), safeText().max(200));

export const IMPORT_ROW_ACTIONS = ['create', 'update', 'refuse'] as const;
export type ImportRowAction = (typeof IMPORT_ROW_ACTIONS)[number];

/** One reason a row is refused, as a code with parameters (the console words it in zh-CN/en). */
export const importIssueSchema = z.object({
  code: z.enum(IMPORT_ISSUE_CODES),
  /** the target field (name, kind, geometry, …) or `row` for the record as a whole */
  field: z.string(),
  /** the value as read */
  value: z.string().optional(),
  /** the earlier row with the same key (IMPORT_DUPLICATE_ROW) */
  row: z.number().optional(),
  /** how many match (IMPORT_AMBIGUOUS_NAME) or the longest allowed (IMPORT_TOO_LONG) */
  count: z.number().optional(),
  /** what is allowed (IMPORT_BAD_KIND, IMPORT_BAD_GEOMETRY_TYPE, IMPORT_UNKNOWN_ROLE) */
  expected: z.array(z.string()).optional(),
  /** a technical reason in English (PostGIS validity, CSV shape) */
  detail: z.string().optional(),
});
export type ImportIssue = z.infer<typeof importIssueSchema>;

export const importRowSchema = z.object({
  /** 1-based record number (a CSV's first data line is row 1). */
  row: z.number(),
  /** The record's name, callsign or username as read. */
  key: z.string(),
  action: z.enum(IMPORT_ROW_ACTIONS),
  /** The reasons of a refusal in English (kept for older clients; `issues` carries the codes). */
  errors: z.array(z.string()),
  issues: z.array(importIssueSchema),
});
export type ImportRow = z.infer<typeof importRowSchema>;

export const importResultSchema = z.object({
  kind: z.enum(IMPORT_KINDS),
  format: z.enum(['geojson', 'shapefile', 'csv']),
  crs: z.enum(['WGS84', 'GCJ02', 'BD09']),
  dryRun: z.boolean(),
  /** True when the rows were written (never when one is refused). */
  applied: z.boolean(),
  /** The fields found in the file (for the mapping step). */
  fields: z.array(z.string()),
  /** The mapping used: target field → file field. */
  mapping: z.record(z.string(), z.string()),
  counts: z.object({ create: z.number(), update: z.number(), refuse: z.number() }),
  rows: z.array(importRowSchema),
  /** Units created by an applied import: their terminal tokens, shown once. */
  terminalTokens: z.array(
    z.object({ unitId: z.string(), callsign: z.string(), terminalToken: z.string() }),
  ),
});
export type ImportResult = z.infer<typeof importResultSchema>;
