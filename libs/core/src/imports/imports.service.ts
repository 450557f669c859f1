import { Injectable } from '@nestjs/common';
import {
  areaGeometrySchema,
  createUserSchema,
  premiseInputSchema,
  PREMISE_LEVELS,
  type AreaGeometry,
  type Crs,
  type PremiseInput,
  type PremiseLevel,
  importMappingSchema,
  IMPORT_TARGET_FIELDS,
  type BulkImportQuery,
  type ImportKind,
  type ImportIssue,
  type ImportResult,
  type ImportRow,
} from '@ringcad/contracts';
import { ROLES, UNIT_KINDS, type Role } from '@ringcad/domain';
import type { DbOrTx } from '@ringcad/db';
import {
  actorOf,
  appendAudit,
  Clock,
  DatabaseService,
  DomainError,
  type Principal,
} from '../platform';
import { AuthService, hashPassword, newToken, tokenHash } from '../auth';
import { AfterCommit, RealtimePublisher } from '../realtime';
import { InputBounds, inBbox, insertPremise, updatePremise } from '../roads';
import { UnitsService } from '../fleet';
import {
  coordinatesToWgs84,
  readImportFile,
  type ImportFile,
  type ImportFormat,
  type ImportRecord,
} from './import-files';
import {
  allJurisdictions,
  allPlaceNames,
  allPremiseNames,
  allUnitCallsigns,
  allUsernames,
  insertJurisdictionRow,
  insertPoint,
  insertUnitRow,
  insertUserRow,
  movePoint,
  polygonValidity,
  updateJurisdictionRow,
  updateUnitRow,
  updateUserRow,
  type PointTable,
} from './imports.queries';
import { issue, issueText } from './import-issues';
import { RingSchemesService } from '../schemes';

const FORMATS_OF: Record<ImportKind, ImportFormat[]> = {
  jurisdictions: ['geojson', 'shapefile'],
  'standby-points': ['geojson', 'shapefile', 'csv'],
  checkpoints: ['geojson', 'shapefile', 'csv'],
  units: ['csv'],
  users: ['csv'],
  premises: ['geojson', 'shapefile', 'csv'],
};
const REQUIRED_OF: Record<ImportKind, string[]> = {
  jurisdictions: ['name'],
  'standby-points': ['name'],
  checkpoints: ['name'],
  units: ['callsign', 'kind'],
  users: ['username', 'roles'],
  premises: ['name', 'level', 'text'],
};
const LEVEL = { district: 0, station: 1, grid: 2 } as const;
type JurisdictionKind = keyof typeof LEVEL;
const isJurisdictionKind = (v: string): v is JurisdictionKind => Object.hasOwn(LEVEL, v);
/** A table's own entry for a word (never an Object.prototype member such as `constructor`). */
const aliasOf = <T>(table: Record<string, T>, word: string): T | undefined =>
  Object.hasOwn(table, word) ? table[word] : undefined;
/** What people write in a kind column besides the English words. */
const KIND_ALIASES: Record<string, JurisdictionKind> = {
  分局: 'district',
  区: 'district',
  派出所: 'station',
  所: 'station',
  网格: 'grid',
  警务区: 'grid',
};
/** The console's words for the premise levels, besides the English ones. */
const PREMISE_LEVEL_ALIASES: Record<string, PremiseLevel> = {
  提示: 'info',
  注意: 'caution',
  危险: 'danger',
};
/** Kinds whose records are points: from a CSV they need lon/lat columns. */
const POINT_KINDS: ImportKind[] = ['standby-points', 'checkpoints', 'premises'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One planned row; `write` runs only when the whole file is applied. */
interface Planned extends Omit<ImportRow, 'errors'> {
  write?: (tx: DbOrTx, ctx: ApplyContext) => Promise<void>;
}
interface ApplyContext {
  /** ids of jurisdictions created earlier in the same file, by `kind:name`. */
  created: Map<string, string>;
  units: string[];
  tokens: ImportResult['terminalTokens'];
}

/**
 * Bulk imports of the admin seat: jurisdictions, standby points and checkpoints from GeoJSON or a
 * zipped shapefile (points also from CSV with lon/lat columns), units and accounts from CSV. Each
 * record is planned as create, update (same name / callsign / username) or refuse with its
 * reasons; a dry run returns the plan, an apply writes every row in one transaction or nothing.
 */
@Injectable()
export class ImportsService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly bounds: InputBounds,
    private readonly units: UnitsService,
    private readonly realtime: RealtimePublisher,
    private readonly schemes: RingSchemesService,
    private readonly auth: AuthService,
  ) {}

  async run(q: BulkImportQuery, bytes: Uint8Array, by: Principal): Promise<ImportResult> {
    const file = await readImportFile(bytes);
    if (!FORMATS_OF[q.kind].includes(file.format))
      throw new DomainError(
        'VALIDATION_FAILED',
        `${q.kind} are imported from ${FORMATS_OF[q.kind].join(' or ')}, not ${file.format}`,
      );
    const mapping = resolveMapping(q.kind, file.fields, q.mapping);
    const missing = REQUIRED_OF[q.kind].filter((t) => !mapping[t]);
    const pointsFromCsv = POINT_KINDS.includes(q.kind) && file.format === 'csv';
    if (pointsFromCsv) missing.push(...['lon', 'lat'].filter((t) => !mapping[t]));
    if (missing.length)
      throw new DomainError(
        'VALIDATION_FAILED',
        `map the file's fields to ${missing.join(', ')} (found: ${file.fields.join(', ') || 'none'})`,
        { fields: file.fields, missing },
      );
    // scrypt is slow on purpose: hash only what an apply will write
    const hashes = q.kind === 'users' && !q.dryRun ? await hashAll(file, mapping) : null;
    const result = (rows: Planned[], applied: boolean, tokens: ImportResult['terminalTokens']) => ({
      kind: q.kind,
      format: file.format,
      crs: q.crs,
      dryRun: q.dryRun,
      applied,
      fields: file.fields,
      mapping,
      counts: {
        create: rows.filter((r) => r.action === 'create').length,
        update: rows.filter((r) => r.action === 'update').length,
        refuse: rows.filter((r) => r.action === 'refuse').length,
      },
      rows: rows.map(({ row, key, action, issues }) => ({
        row,
        key,
        action,
        errors: issues.map(issueText),
        issues,
      })),
      terminalTokens: tokens,
    });
    if (q.dryRun)
      return result(await this.plan(this.database.db, q, file, mapping, by, null), false, []);

    const after = new AfterCommit();
    const done = await this.database.transaction(async (tx) => {
      const rows = await this.plan(tx, q, file, mapping, by, hashes);
      const refused = rows.filter((r) => r.action === 'refuse');
      if (refused.length) {
        const summary = result(rows, false, []);
        throw new DomainError(
          'IMPORT_REFUSED',
          `${refused.length} of ${rows.length} rows refused; nothing was imported`,
          { counts: summary.counts, rows: summary.rows.filter((r) => r.action === 'refuse') },
        );
      }
      const ctx: ApplyContext = { created: new Map(), units: [], tokens: [] };
      for (const r of rows) await r.write?.(tx, ctx);
      await appendAudit(tx, this.clock.now(), actorOf(by), 'import', q.kind, null, {
        format: file.format,
        crs: q.crs,
        rows: rows.length,
      });
      for (const id of ctx.units) {
        const view = await this.units.get(tx, id);
        after.add(() =>
          this.realtime.toConsoles({ event: 'unit.updated', payload: view, everyone: true }),
        );
      }
      return { rows, tokens: ctx.tokens };
    });
    // accounts changed (roles, scope, a new password ends their sessions): read them afresh
    if (q.kind === 'users') this.auth.forgetSessions();
    await after.run();
    return result(done.rows, true, done.tokens);
  }

  private async plan(
    db: DbOrTx,
    q: BulkImportQuery,
    file: ImportFile,
    mapping: Record<string, string>,
    by: Principal,
    hashes: Map<number, string> | null,
  ): Promise<Planned[]> {
    const rows = await this.planKind(db, q, file, mapping, by, hashes);
    return rows.map((r, i) => {
      const problems = file.records[i]?.problems ?? [];
      if (!problems.length) return r;
      return { row: r.row, key: r.key, action: 'refuse', issues: [...problems, ...r.issues] };
    });
  }

  private planKind(
    db: DbOrTx,
    q: BulkImportQuery,
    file: ImportFile,
    mapping: Record<string, string>,
    by: Principal,
    hashes: Map<number, string> | null,
  ): Promise<Planned[]> {
    const field = (r: ImportRecord, target: string) =>
      mapping[target] ? (r.values[mapping[target]] ?? '').trim() : '';
    switch (q.kind) {
      case 'jurisdictions':
        return this.planJurisdictions(db, q, file, field);
      case 'standby-points':
        return this.planPoints(db, 'standby_points', q, file, field);
      case 'checkpoints':
        return this.planPoints(db, 'checkpoints', q, file, field);
      case 'units':
        return this.planUnits(db, file, field);
      case 'users':
        return this.planUsers(db, file, field, by, hashes);
      case 'premises':
        return this.planPremises(db, q, file, field, by);
    }
  }

  private outsideServiceArea(
    field: string,
    points: { lon: number; lat: number }[],
  ): ImportIssue | null {
    const area = this.bounds.serviceArea();
    if (!area) return null;
    const out = points.find((p) => !inBbox(area.bbox, p));
    return out
      ? issue('IMPORT_OUTSIDE_AREA', field, {
          value: `(${out.lon.toFixed(5)}, ${out.lat.toFixed(5)})`,
          detail: area.bbox.map((v) => v.toFixed(4)).join(','),
        })
      : null;
  }

  /**
   * A Polygon/MultiPolygon record converted to WGS84, then held to the contract's polygon rules,
   * the service area and PostGIS validity; null (with the reasons in `errors`) when refused.
   */
  private async areaOf(
    db: DbOrTx,
    geometry: { type: string; coordinates: unknown },
    crs: Crs,
    errors: ImportIssue[],
  ): Promise<{ area: AreaGeometry; geojson: string } | null> {
    const coordinates = coordinatesToWgs84(geometry.coordinates, crs);
    const parsed = areaGeometrySchema.safeParse({ type: geometry.type, coordinates });
    if (!parsed.success) {
      errors.push(
        issue('IMPORT_BAD_COORDINATES', 'geometry', {
          detail: parsed.error.issues[0]?.message ?? 'malformed coordinates',
        }),
      );
      return null;
    }
    const flat = (JSON.stringify(parsed.data.coordinates).match(/-?[\d.e+-]+,-?[\d.e+-]+/g) ?? [])
      .map((s) => s.split(',').map(Number))
      .map(([lon, lat]) => ({ lon, lat }));
    const outside = this.outsideServiceArea('geometry', flat);
    if (outside) {
      errors.push(outside);
      return null;
    }
    const geojson = JSON.stringify(parsed.data);
    const check = await polygonValidity(db, geojson);
    if (!check.valid) {
      errors.push(issue('IMPORT_INVALID_POLYGON', 'geometry', { detail: check.reason }));
      return null;
    }
    return { area: parsed.data, geojson };
  }

  /**
   * A point record's WGS84 location: a CSV's lon/lat columns or a GeoJSON/shapefile Point, inside
   * the service area; null (with the reasons in `errors`) when refused. Other geometries are not
   * points: the caller decides what else it takes.
   */
  private pointOf(
    r: ImportRecord,
    format: ImportFormat,
    crs: Crs,
    field: (r: ImportRecord, t: string) => string,
    errors: ImportIssue[],
  ): { lon: number; lat: number } | null {
    let raw: unknown = null;
    if (format === 'csv') {
      const lon = Number(field(r, 'lon'));
      const lat = Number(field(r, 'lat'));
      for (const [f, v] of [
        ['lon', lon],
        ['lat', lat],
      ] as const)
        if (!field(r, f) || !Number.isFinite(v))
          errors.push(issue('IMPORT_NOT_A_NUMBER', f, { value: field(r, f) }));
      raw = [lon, lat];
    } else if (!r.geometry) errors.push(issue('IMPORT_FIELD_MISSING', 'geometry'));
    else raw = r.geometry.coordinates;
    if (errors.length) return null;
    const c = coordinatesToWgs84(raw, crs) as [number, number] | null;
    if (!c || Math.abs(c[0]) > 180 || Math.abs(c[1]) > 90) {
      errors.push(issue('IMPORT_BAD_COORDINATES', 'location'));
      return null;
    }
    const p = { lon: c[0], lat: c[1] };
    const outside = this.outsideServiceArea('location', [p]);
    if (outside) {
      errors.push(outside);
      return null;
    }
    return p;
  }

  private async planJurisdictions(
    db: DbOrTx,
    q: BulkImportQuery,
    file: ImportFile,
    field: (r: ImportRecord, t: string) => string,
  ): Promise<Planned[]> {
    const existing = await allJurisdictions(db);
    const schemeIds = new Set((await this.schemes.list(db)).map((s) => s.id));
    const seen = new Map<string, number>();
    const inFile = new Map<string, JurisdictionKind>(); // name → kind of earlier rows
    const out: Planned[] = [];
    for (const r of file.records) {
      const errors: ImportIssue[] = [];
      const name = field(r, 'name');
      if (!name) errors.push(issue('IMPORT_FIELD_MISSING', 'name'));
      else if (name.length > 100) errors.push(issue('IMPORT_TOO_LONG', 'name', { count: 100 }));
      const kindText = field(r, 'kind');
      const kind = kindText
        ? (aliasOf(KIND_ALIASES, kindText) ?? (isJurisdictionKind(kindText) ? kindText : null))
        : q.jurisdictionKind;
      if (!kind)
        errors.push(
          issue('IMPORT_BAD_KIND', 'kind', { value: kindText, expected: Object.keys(LEVEL) }),
        );
      const schemeText = field(r, 'scheme');
      if (schemeText && !schemeIds.has(schemeText))
        errors.push(issue('IMPORT_UNKNOWN_SCHEME', 'scheme', { value: schemeText }));
      let geojson: string | null = null;
      if (!r.geometry) errors.push(issue('IMPORT_FIELD_MISSING', 'geometry'));
      else if (r.geometry.type !== 'Polygon' && r.geometry.type !== 'MultiPolygon')
        errors.push(
          issue('IMPORT_BAD_GEOMETRY_TYPE', 'geometry', {
            value: r.geometry.type,
            expected: ['Polygon', 'MultiPolygon'],
          }),
        );
      else geojson = (await this.areaOf(db, r.geometry, q.crs, errors))?.geojson ?? null;
      // parent: an existing jurisdiction (id or name) or an earlier row, one level up or more
      const parentText = field(r, 'parent');
      let parent: { id: string } | { name: string; kind: JurisdictionKind } | null = null;
      if (parentText && kind) {
        const higher = (k: string) => isJurisdictionKind(k) && LEVEL[k] < LEVEL[kind];
        const byId = UUID.test(parentText) ? existing.find((j) => j.id === parentText) : undefined;
        const byName = existing.filter((j) => j.name === parentText && higher(j.kind));
        const earlier = inFile.get(parentText);
        if (byId && higher(byId.kind)) parent = { id: byId.id };
        else if (earlier && higher(earlier)) parent = { name: parentText, kind: earlier };
        else if (byName.length === 1) parent = { id: byName[0].id };
        else if (byName.length > 1)
          errors.push(
            issue('IMPORT_AMBIGUOUS_NAME', 'parent', { value: parentText, count: byName.length }),
          );
        else errors.push(issue('IMPORT_NO_SUCH_JURISDICTION', 'parent', { value: parentText }));
      }
      const key = `${kind}:${name}`;
      if (name && kind) {
        const first = seen.get(key);
        if (first) errors.push(issue('IMPORT_DUPLICATE_ROW', 'name', { value: name, row: first }));
        else seen.set(key, r.row);
      }
      const match = existing.find((j) => j.name === name && j.kind === kind);
      if (errors.length || !kind || !geojson) {
        out.push({ row: r.row, key: name, action: 'refuse', issues: errors });
        continue;
      }
      inFile.set(name, kind);
      const schemeId = schemeText || null;
      const boundary = geojson;
      const parentId = (ctx: ApplyContext) =>
        parent === null
          ? null
          : 'id' in parent
            ? parent.id
            : (ctx.created.get(`${parent.kind}:${parent.name}`) ?? null);
      out.push({
        row: r.row,
        key: name,
        action: match ? 'update' : 'create',
        issues: [],
        write: async (tx, ctx) => {
          if (match) {
            await updateJurisdictionRow(
              tx,
              match.id,
              {
                parentId: parentText ? parentId(ctx) : undefined,
                schemeId: schemeText ? schemeId : undefined,
              },
              boundary,
            );
            ctx.created.set(key, match.id);
          } else {
            const id = await insertJurisdictionRow(
              tx,
              { name, kind, parentId: parentId(ctx), schemeId },
              boundary,
            );
            ctx.created.set(key, id);
          }
        },
      });
    }
    return out;
  }

  private async planPoints(
    db: DbOrTx,
    table: PointTable,
    q: BulkImportQuery,
    file: ImportFile,
    field: (r: ImportRecord, t: string) => string,
  ): Promise<Planned[]> {
    const existing = await allPlaceNames(db, table);
    const seen = new Map<string, number>();
    return file.records.map((r): Planned => {
      const name = field(r, 'name');
      const errors = keyIssues('name', name, 100, seen, r.row);
      let p: { lon: number; lat: number } | null = null;
      if (r.geometry && r.geometry.type !== 'Point' && file.format !== 'csv')
        errors.push(
          issue('IMPORT_BAD_GEOMETRY_TYPE', 'geometry', {
            value: r.geometry.type,
            expected: ['Point'],
          }),
        );
      else {
        const located: ImportIssue[] = [];
        p = this.pointOf(r, file.format, q.crs, field, located);
        errors.push(...located);
      }
      if (errors.length || !p) return { row: r.row, key: name, action: 'refuse', issues: errors };
      const at = p;
      const match = existing.find((x) => x.name === name);
      return {
        row: r.row,
        key: name,
        action: match ? 'update' : 'create',
        issues: [],
        write: async (tx) => {
          if (match) await movePoint(tx, table, match.id, at);
          else await insertPoint(tx, table, name, at);
        },
      };
    });
  }

  /** 重点场所: a point (CSV lon/lat or a Point) or an area (Polygon/MultiPolygon), level and text. */
  private async planPremises(
    db: DbOrTx,
    q: BulkImportQuery,
    file: ImportFile,
    field: (r: ImportRecord, t: string) => string,
    by: Principal,
  ): Promise<Planned[]> {
    const idsByName = new Map<string, string[]>();
    for (const x of await allPremiseNames(db))
      idsByName.set(x.name, [...(idsByName.get(x.name) ?? []), x.id]);
    const seen = new Map<string, number>();
    const out: Planned[] = [];
    for (const r of file.records) {
      const name = field(r, 'name');
      const errors = keyIssues('name', name, 100, seen, r.row);
      const levelText = field(r, 'level');
      const level =
        aliasOf(PREMISE_LEVEL_ALIASES, levelText) ??
        PREMISE_LEVELS.find((l) => l === levelText.toLowerCase());
      if (!levelText) errors.push(issue('IMPORT_FIELD_MISSING', 'level'));
      else if (!level)
        errors.push(
          issue('IMPORT_BAD_KIND', 'level', { value: levelText, expected: [...PREMISE_LEVELS] }),
        );
      const text = field(r, 'text');
      if (!text) errors.push(issue('IMPORT_FIELD_MISSING', 'text'));
      else if (text.length > 1000) errors.push(issue('IMPORT_TOO_LONG', 'text', { count: 1000 }));
      let place: Pick<PremiseInput, 'location' | 'area'> | null = null;
      const g = file.format === 'csv' ? null : r.geometry;
      if (g && (g.type === 'Polygon' || g.type === 'MultiPolygon')) {
        const area = await this.areaOf(db, g, q.crs, errors);
        if (area) place = { area: area.area };
      } else if (g && g.type !== 'Point')
        errors.push(
          issue('IMPORT_BAD_GEOMETRY_TYPE', 'geometry', {
            value: g.type,
            expected: ['Point', 'Polygon', 'MultiPolygon'],
          }),
        );
      else {
        const located: ImportIssue[] = [];
        const location = this.pointOf(r, file.format, q.crs, field, located);
        errors.push(...located);
        if (location) place = { location };
      }
      const named = idsByName.get(name) ?? [];
      if (named.length > 1)
        errors.push(issue('IMPORT_NAME_NOT_UNIQUE', 'name', { value: name, count: named.length }));
      // whatever the contract refuses beyond the checks above (control characters…)
      const input = premiseInputSchema.safeParse({ name, level, text, ...place });
      if (!errors.length && !input.success)
        for (const i of input.error.issues)
          errors.push(
            issue('IMPORT_INVALID_VALUE', String(i.path[0] ?? 'row'), { detail: i.message }),
          );
      if (errors.length || !input.success) {
        out.push({ row: r.row, key: name, action: 'refuse', issues: errors });
        continue;
      }
      const premise = input.data;
      const match = named[0];
      out.push({
        row: r.row,
        key: name,
        action: match ? 'update' : 'create',
        issues: [],
        write: async (tx) => {
          const now = this.clock.now();
          if (match) await updatePremise(tx, match, premise, now);
          else await insertPremise(tx, premise, now, actorOf(by).name);
        },
      });
    }
    return out;
  }

  private async planUnits(
    db: DbOrTx,
    file: ImportFile,
    field: (r: ImportRecord, t: string) => string,
  ): Promise<Planned[]> {
    const [existing, places] = await Promise.all([allUnitCallsigns(db), allJurisdictions(db)]);
    const seen = new Map<string, number>();
    return file.records.map((r): Planned => {
      const callsign = field(r, 'callsign');
      const errors = keyIssues('callsign', callsign, 40, seen, r.row);
      const kind = field(r, 'kind');
      if (!(UNIT_KINDS as readonly string[]).includes(kind))
        errors.push(issue('IMPORT_BAD_KIND', 'kind', { value: kind, expected: [...UNIT_KINDS] }));
      const stationText = field(r, 'station');
      const station = stationText
        ? findJurisdiction(places, 'station', stationText, 'station')
        : { id: null };
      if ('error' in station) errors.push(station.error);
      if (errors.length || 'error' in station)
        return { row: r.row, key: callsign, action: 'refuse', issues: errors };
      const stationId = station.id;
      const match = existing.find((u) => u.callsign === callsign);
      return {
        row: r.row,
        key: callsign,
        action: match ? 'update' : 'create',
        issues: [],
        write: async (tx, ctx) => {
          if (match) {
            await updateUnitRow(tx, match.id, {
              kind,
              stationId: mapping(stationText, stationId),
            });
            ctx.units.push(match.id);
            return;
          }
          const token = newToken('t');
          const id = await insertUnitRow(tx, {
            callsign,
            kind,
            station_id: stationId,
            status: 'off_duty',
            terminal_token_hash: tokenHash(token),
            position_at: null,
            speed_kmh: null,
            heading_deg: null,
            status_changed_at: this.clock.now(),
          });
          ctx.units.push(id);
          ctx.tokens.push({ unitId: id, callsign, terminalToken: token });
        },
      };
    });
  }

  private async planUsers(
    db: DbOrTx,
    file: ImportFile,
    field: (r: ImportRecord, t: string) => string,
    by: Principal,
    hashes: Map<number, string> | null,
  ): Promise<Planned[]> {
    const [existing, places] = await Promise.all([allUsernames(db), allJurisdictions(db)]);
    const seen = new Map<string, number>();
    return file.records.map((r): Planned => {
      const errors: ImportIssue[] = [];
      const username = field(r, 'username');
      const password = field(r, 'password');
      const roles = field(r, 'roles')
        .split(/[|;,\s/、，]+/)
        .map((s) => s.trim())
        .filter(Boolean);
      const match = existing.find((u) => u.username === username);
      const checked = createUserSchema.safeParse({
        username,
        // an update may leave the password as it is
        password: password || (match ? 'unchanged-password' : ''),
        roles,
      });
      if (!checked.success)
        for (const i of checked.error.issues)
          errors.push(
            issue('IMPORT_INVALID_VALUE', String(i.path[0] ?? 'row'), { detail: i.message }),
          );
      const unknownRoles = roles.filter((x) => !(ROLES as readonly string[]).includes(x));
      if (unknownRoles.length && checked.success)
        errors.push(
          issue('IMPORT_UNKNOWN_ROLE', 'roles', {
            value: unknownRoles.join(', '),
            expected: [...ROLES],
          }),
        );
      if (username && seen.has(username))
        errors.push(
          issue('IMPORT_DUPLICATE_ROW', 'username', { value: username, row: seen.get(username) }),
        );
      else if (username) seen.set(username, r.row);
      if (match && by.kind === 'user' && match.id === by.id)
        errors.push(issue('IMPORT_OWN_ACCOUNT', 'username'));
      const scopeText = field(r, 'jurisdiction');
      const scope = scopeText
        ? findJurisdiction(places, 'jurisdiction', scopeText, null)
        : { id: null };
      if ('error' in scope) errors.push(scope.error);
      if (errors.length || 'error' in scope)
        return { row: r.row, key: username, action: 'refuse', issues: errors };
      const jurisdictionId = scope.id;
      const uniqueRoles = [...new Set(roles)] as Role[];
      return {
        row: r.row,
        key: username,
        action: match ? 'update' : 'create',
        issues: [],
        write: async (tx) => {
          const passwordHash = hashes?.get(r.row) ?? null;
          if (match) {
            await updateUserRow(tx, match.id, {
              roles: uniqueRoles,
              jurisdictionId: mapping(scopeText, jurisdictionId),
              passwordHash,
            });
          } else {
            if (!passwordHash) throw new Error(`row ${r.row}: password not hashed`);
            await insertUserRow(tx, {
              username,
              password_hash: passwordHash,
              roles: uniqueRoles,
              jurisdiction_id: jurisdictionId,
            });
          }
        },
      };
    });
  }
}

/** A record's key (name, callsign): present, not too long, not an earlier row's. */
function keyIssues(
  target: string,
  value: string,
  max: number,
  seen: Map<string, number>,
  row: number,
): ImportIssue[] {
  if (!value) return [issue('IMPORT_FIELD_MISSING', target)];
  if (value.length > max) return [issue('IMPORT_TOO_LONG', target, { count: max })];
  const first = seen.get(value);
  if (first !== undefined) return [issue('IMPORT_DUPLICATE_ROW', target, { value, row: first })];
  seen.set(value, row);
  return [];
}

/** A column left empty keeps the current value; a filled one sets it. */
const mapping = (text: string, id: string | null): string | null | undefined =>
  text ? id : undefined;

function findJurisdiction(
  places: { id: string; name: string; kind: string }[],
  field: string,
  text: string,
  preferKind: JurisdictionKind | null,
): { id: string } | { error: ImportIssue } {
  const missing = { error: issue('IMPORT_NO_SUCH_JURISDICTION', field, { value: text }) };
  if (UUID.test(text)) {
    const j = places.find((p) => p.id === text);
    return j ? { id: j.id } : missing;
  }
  let named = places.filter((p) => p.name === text);
  if (named.length > 1 && preferKind) named = named.filter((p) => p.kind === preferKind);
  if (named.length === 1) return { id: named[0].id };
  return named.length
    ? { error: issue('IMPORT_AMBIGUOUS_NAME', field, { value: text, count: named.length }) }
    : missing;
}

/** target field → file field: the given mapping, else a field named like the target (any case). */
function resolveMapping(
  kind: ImportKind,
  fields: string[],
  given: string | undefined,
): Record<string, string> {
  let explicit: Record<string, string> = {};
  if (given) {
    let json: unknown;
    try {
      json = JSON.parse(given);
    } catch {
      throw new DomainError(
        'VALIDATION_FAILED',
        'mapping must be a JSON object of target → file field',
      );
    }
    const parsed = importMappingSchema.safeParse(json);
    if (!parsed.success)
      throw new DomainError(
        'VALIDATION_FAILED',
        'mapping must be a JSON object of target → file field',
      );
    explicit = parsed.data;
  }
  const targets: readonly string[] = IMPORT_TARGET_FIELDS[kind];
  const unknownTargets = Object.keys(explicit).filter((t) => !targets.includes(t));
  const unknownFields = Object.values(explicit).filter((f) => f && !fields.includes(f));
  if (unknownTargets.length || unknownFields.length)
    throw new DomainError(
      'VALIDATION_FAILED',
      [
        unknownTargets.length
          ? `mapping: ${kind} have no field ${unknownTargets.join(', ')} (they have ${targets.join(', ')})`
          : '',
        unknownFields.length
          ? `mapping: the file has no field ${unknownFields.join(', ')} (it has ${fields.join(', ')})`
          : '',
      ]
        .filter(Boolean)
        .join('; '),
      { fields },
    );
  const out: Record<string, string> = {};
  for (const t of targets) {
    if (t in explicit) {
      if (explicit[t]) out[t] = explicit[t];
      continue;
    }
    const same = fields.find((f) => f.toLowerCase() === t.toLowerCase());
    if (same) out[t] = same;
  }
  return out;
}

async function hashAll(file: ImportFile, mapping: Record<string, string>) {
  const out = new Map<number, string>();
  const col = mapping.password;
  if (!col) return out;
  for (const r of file.records) {
    const pw = (r.values[col] ?? '').trim();
    if (pw.length >= 8 && pw.length <= 256) out.set(r.row, await hashPassword(pw));
  }
  return out;
}
