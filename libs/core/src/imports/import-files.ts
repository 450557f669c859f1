import { parse as parseCsv } from 'csv-parse/sync';
import { unzipSync } from 'fflate';
import * as shapefile from 'shapefile';
import type { Crs, ImportIssue } from '@ringcad/contracts';
import { DomainError, toWgs84 } from '../platform';

export type ImportFormat = 'geojson' | 'shapefile' | 'csv';

/** One record of an import file: its fields as text and, for GeoJSON and shapefiles, its geometry. */
export interface ImportRecord {
  row: number;
  values: Record<string, string>;
  geometry: { type: string; coordinates: unknown } | null;
  /** What is wrong with the record itself (a CSV line with too many or too few fields). */
  problems?: ImportIssue[];
}

export interface ImportFile {
  format: ImportFormat;
  fields: string[];
  records: ImportRecord[];
}

/** No one imports more than this many rows at once; a bigger file is split. */
export const MAX_IMPORT_ROWS = 20_000;

const refuse = (message: string) => new DomainError('VALIDATION_FAILED', message);

/** Text as UTF-8, else GB18030 (what Excel on Chinese Windows writes), BOM dropped. */
export function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

const fieldText = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'string' ? v.trim() : JSON.stringify(v);

function fromFeatures(format: ImportFormat, features: unknown[]): ImportFile {
  const fields = new Set<string>();
  const records = features.map((f, i) => {
    const feature = (f ?? {}) as { geometry?: unknown; properties?: unknown };
    const props =
      feature.properties && typeof feature.properties === 'object'
        ? (feature.properties as Record<string, unknown>)
        : {};
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(props)) {
      fields.add(k);
      values[k] = fieldText(v);
    }
    const g = feature.geometry as { type?: unknown; coordinates?: unknown } | null | undefined;
    const geometry =
      g && typeof g.type === 'string' ? { type: g.type, coordinates: g.coordinates } : null;
    return { row: i + 1, values, geometry };
  });
  return { format, fields: [...fields], records };
}

function readGeoJson(text: string): ImportFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw refuse(`not valid GeoJSON: ${(err as Error).message}`);
  }
  const d = doc as { type?: unknown; features?: unknown };
  if (d?.type === 'FeatureCollection' && Array.isArray(d.features))
    return fromFeatures('geojson', d.features as unknown[]);
  if (d?.type === 'Feature') return fromFeatures('geojson', [doc]);
  throw refuse('GeoJSON must be a FeatureCollection or a Feature');
}

async function readShapefileZip(bytes: Uint8Array): Promise<ImportFile> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (err) {
    throw refuse(`not a readable zip file: ${(err as Error).message}`);
  }
  const names = Object.keys(entries).filter((n) => !n.startsWith('__MACOSX/'));
  const shps = names.filter((n) => n.toLowerCase().endsWith('.shp'));
  if (shps.length !== 1)
    throw refuse(
      shps.length
        ? `the zip holds ${shps.length} shapefiles (${shps.join(', ')}); send one per import`
        : 'the zip holds no .shp file',
    );
  const base = shps[0].slice(0, -4);
  const part = (ext: string) =>
    names.find((n) => n.toLowerCase() === `${base.toLowerCase()}.${ext}`);
  const dbfName = part('dbf');
  const cpgName = part('cpg');
  // the .cpg names the .dbf's code page; Chinese shapefiles without one are usually GBK
  const cpg = cpgName ? decodeText(entries[cpgName]).trim().toLowerCase() : '';
  const encoding = cpg ? (/^(utf-?8|65001)$/.test(cpg) ? 'utf-8' : cpg) : 'utf-8';
  try {
    const collection = await shapefile.read(
      entries[shps[0]],
      dbfName ? entries[dbfName] : undefined,
      { encoding },
    );
    return fromFeatures('shapefile', collection.features);
  } catch (err) {
    throw refuse(`not a readable shapefile: ${(err as Error).message}`);
  }
}

function readCsv(text: string): ImportFile {
  let table: string[][];
  try {
    table = parseCsv(text, {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
      record_delimiter: ['\r\n', '\n', '\r'],
    });
  } catch (err) {
    throw refuse(`not valid CSV: ${(err as Error).message}`);
  }
  const [header = [], ...rows] = table;
  const fields = header.map((h) => h.trim());
  if (new Set(fields).size !== fields.length || fields.some((f) => !f))
    throw refuse(`the CSV header needs distinct, non-empty names (got ${fields.join(', ')})`);
  const records = rows.map((cells, i) => {
    const values: Record<string, string> = {};
    fields.forEach((f, j) => (values[f] = cells[j] ?? ''));
    const problems =
      cells.length === fields.length
        ? []
        : [
            {
              code: 'IMPORT_BAD_RECORD' as const,
              field: 'row',
              value: String(cells.length),
              count: fields.length,
            },
          ];
    return { row: i + 1, values, geometry: null, problems };
  });
  return { format: 'csv', fields, records };
}

/** Reads a zipped shapefile (by its signature), a GeoJSON document or a CSV table. */
export async function readImportFile(bytes: Uint8Array): Promise<ImportFile> {
  if (bytes.length === 0) throw refuse('the file is empty');
  let file: ImportFile;
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) file = await readShapefileZip(bytes);
  else {
    const text = decodeText(bytes);
    file = /^\s*[{[]/.test(text.replace(/^\uFEFF/, ''))
      ? readGeoJson(text.replace(/^\uFEFF/, ''))
      : readCsv(text);
  }
  if (file.records.length === 0) throw refuse('the file has no records');
  if (file.records.length > MAX_IMPORT_ROWS)
    throw refuse(
      `the file has ${file.records.length} records; import at most ${MAX_IMPORT_ROWS} at once`,
    );
  return file;
}

/** Every position of a geometry's coordinates converted to WGS84; null when malformed. */
export function coordinatesToWgs84(coords: unknown, crs: Crs): unknown {
  if (!Array.isArray(coords)) return null;
  if (coords.length >= 2 && typeof coords[0] === 'number' && typeof coords[1] === 'number') {
    if (!Number.isFinite(coords[0]) || !Number.isFinite(coords[1])) return null;
    const p = toWgs84({ lon: coords[0], lat: coords[1], crs });
    // 7 decimals (~1 cm): conversions leave float noise that would break a ring's closure check
    return [round7(p.lon), round7(p.lat)];
  }
  const out = coords.map((c) => coordinatesToWgs84(c, crs));
  return out.some((c) => c === null) ? null : out;
}

const round7 = (v: number) => Math.round(v * 1e7) / 1e7;
