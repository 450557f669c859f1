import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import type { CreateIncidentRequest, IncidentView } from '@ringcad/contracts';
import {
  DEFAULT_SCHEME_BY_PRIORITY,
  findScheme,
  cstDay,
  OPEN_INCIDENT_STATUSES,
  seesCallerNumber,
} from '@ringcad/domain';
import { Clock } from './clock';
import type { AppConfig } from './config';
import { toWgs84 } from './coordinates';
import { DatabaseService } from './database.service';
import { DomainError, conflict, forbidden } from './errors';
import { appendIncidentEvent, bumpIncident, lockIncident, readIncident } from './incident-log';
import { actorOf, type Principal } from './principal';
import { AfterCommit, RealtimePublisher } from './realtime';
import { RecommendationService } from './recommendation.service';
import { TimersService } from './timers.service';
import { APP_CONFIG } from './tokens';
import { InputBounds } from './input-bounds';
import { INCIDENT_COLUMNS, maskIncident, toIncidentView, type IncidentRow } from './views';
import { DispatchService } from './dispatch.service';
import { PlansService } from './plans.service';

export interface PossibleDuplicate {
  id: string;
  number: string;
  distanceM: number;
  minutesAgo: number;
}

@Injectable()
export class IncidentsService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly realtime: RealtimePublisher,
    private readonly recommendations: RecommendationService,
    private readonly timers: TimersService,
    private readonly dispatch: DispatchService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly plans: PlansService,
    private readonly bounds: InputBounds,
  ) {}

  async create(input: CreateIncidentRequest, by: Principal) {
    const p = toWgs84(input.location);
    const now = this.clock.now();
    const receivedAt = input.receivedAt ? new Date(input.receivedAt) : now;
    // every check before the one statement that writes: a refused call leaves no incident behind
    if (input.receivedAt !== undefined) this.bounds.assertReceivedAt(receivedAt.getTime(), now.getTime());
    this.bounds.assertInServiceArea([p], () => 'location');
    if (input.schemeId !== undefined && !findScheme(input.schemeId)) {
      throw new DomainError('VALIDATION_FAILED', `unknown ring scheme ${input.schemeId}`, [{ path: 'schemeId', message: 'unknown ring scheme' }]);
    }
    const actor = actorOf(by);
    // ONE statement (atomic on its own): under load (AVL batches on the same event loop, a busy
    // database) every round trip is a wait, and this one is between a 110 call and every screen
    const point = sql`ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326)`;
    const partialEvent = {
      category: input.category,
      priority: input.priority,
      location: p,
      input: input.location,
      address: input.address ?? null,
    };
    const day = cstDay(now);
    const r = await sql<IncidentRow & { dups: { id: string; number: string; distance_m: number; created_at: string }[] }>`
      WITH seq AS (
        INSERT INTO incident_counters (day, n) VALUES (${day}, 1)
        ON CONFLICT (day) DO UPDATE SET n = incident_counters.n + 1 RETURNING n),
      places AS (
        SELECT DISTINCT ON (kind) id, kind, scheme_id FROM jurisdictions
        WHERE ST_Covers(boundary, ${point})
        ORDER BY kind, ST_Area(boundary)),
      j AS (
        SELECT (SELECT id FROM places WHERE kind = 'district') AS district_id,
               (SELECT id FROM places WHERE kind = 'station') AS station_id,
               (SELECT id FROM places WHERE kind = 'grid') AS grid_id,
               coalesce(${input.schemeId ?? null}::text, (SELECT scheme_id FROM places WHERE kind = 'grid'),
                 (SELECT scheme_id FROM places WHERE kind = 'station'), (SELECT scheme_id FROM places WHERE kind = 'district'),
                 ${DEFAULT_SCHEME_BY_PRIORITY[input.priority]}::text) AS scheme_id,
               -- formatIncidentNumber: prefix-YYYYMMDD-NNNNNN (more digits past 999,999)
               ${this.config.INCIDENT_NUMBER_PREFIX}::text || '-' || ${day}::text || '-' ||
                 CASE WHEN seq.n < 1000000 THEN lpad(seq.n::text, 6, '0') ELSE seq.n::text END AS number
        FROM seq),
      dups AS (
        SELECT coalesce(json_agg(d), '[]'::json) AS list FROM (
          SELECT i.id, i.number, ST_Distance(i.location::geography, ${point}::geography) AS distance_m, i.created_at
          FROM incidents i
          WHERE i.category = ${input.category} AND i.status <> 'cancelled'
            AND i.created_at >= ${new Date(now.getTime() - this.config.DUPLICATE_WINDOW_MIN * 60_000)}
            AND ST_DWithin(i.location::geography, ${point}::geography, ${this.config.DUPLICATE_RADIUS_M})
          ORDER BY distance_m LIMIT 10) d),
      ins AS (
        INSERT INTO incidents AS i (number, status, category, priority, scheme_id, location, input_crs, input_lon,
          input_lat, address, caller_number, caller_name, description, district_id, station_id, grid_id,
          received_at, created_at, created_by, version)
        SELECT j.number, 'new', ${input.category}, ${input.priority}, j.scheme_id, ${point},
          ${input.location.crs ?? 'WGS84'}, ${input.location.lon}, ${input.location.lat}, ${input.address ?? null},
          ${input.callerNumber ?? null}, ${input.callerName ?? null}, ${input.description ?? null},
          j.district_id, j.station_id, j.grid_id, ${receivedAt}, ${now}, ${by.kind === 'user' ? by.id : null}, 1
        FROM j
        RETURNING ${sql.raw(INCIDENT_COLUMNS)}),
      ev AS (
        INSERT INTO incident_events (incident_id, version, type, at, actor_kind, actor_id, actor_name, data)
        SELECT ins.id, 1, 'incident.created', ${now}, ${actor.kind}, ${actor.id}, ${actor.name},
          ${JSON.stringify(partialEvent)}::jsonb || jsonb_build_object('number', ins.number, 'schemeId', ins.scheme_id)
        FROM ins)
      SELECT ins.*, (SELECT list FROM dups) AS dups FROM ins`.execute(this.database.db);
    const incident = toIncidentView(r.rows[0]);
    const duplicates = r.rows[0].dups;
    this.realtime.incident('incident.created', incident);
    const recommendation = await this.recommendations.recommend(incident.id);
    // 预案: its agencies are notified and its units proposed, after the incident has committed
    const plan = await this.plans.onIncidentCreated(incident, recommendation.candidates);
    return {
      incident: this.forViewer(incident, by),
      recommendation,
      plan,
      possibleDuplicates: duplicates.map(
        (d): PossibleDuplicate => ({
          id: d.id,
          number: d.number,
          distanceM: Math.round(d.distance_m),
          minutesAgo: Math.round((now.getTime() - new Date(d.created_at).getTime()) / 6000) / 10,
        }),
      ),
    };
  }

  forViewer(v: IncidentView, by: Principal): IncidentView {
    return by.kind === 'user' && seesCallerNumber(by.roles) ? v : maskIncident(v);
  }

  async list(
    query: { status: 'open' | 'closed' | 'all'; from?: string; to?: string; limit: number },
    by: Principal,
  ): Promise<IncidentView[]> {
    const filters = [sql`TRUE`];
    if (query.status === 'open') filters.push(sql`i.status = ANY(${[...OPEN_INCIDENT_STATUSES]}::text[])`);
    if (query.status === 'closed') filters.push(sql`i.status IN ('closed', 'cancelled')`);
    if (query.from) filters.push(sql`i.created_at >= ${new Date(query.from)}`);
    if (query.to) filters.push(sql`i.created_at < ${new Date(query.to)}`);
    const scope = by.kind === 'user' ? by.jurisdictionId : null;
    if (scope) filters.push(sql`(i.district_id = ${scope} OR i.station_id = ${scope} OR i.grid_id = ${scope})`);
    const rows = await sql<IncidentRow>`
      SELECT ${sql.raw(INCIDENT_COLUMNS)} FROM incidents i WHERE ${sql.join(filters, sql` AND `)}
      ORDER BY i.priority, i.created_at DESC LIMIT ${query.limit}`.execute(this.database.db);
    return rows.rows.map((r) => this.forViewer(toIncidentView(r), by));
  }

  async get(id: string, by: Principal): Promise<IncidentView> {
    const rows = await sql<IncidentRow>`SELECT ${sql.raw(INCIDENT_COLUMNS)} FROM incidents i WHERE i.id = ${id}`.execute(
      this.database.db,
    );
    if (!rows.rows[0]) throw new DomainError('NOT_FOUND', `incident ${id} not found`);
    const view = toIncidentView(rows.rows[0]);
    this.assertInScope(view, by);
    return this.forViewer(view, by);
  }

  assertInScope(v: IncidentView, by: Principal) {
    const scope = by.kind === 'user' ? by.jurisdictionId : null;
    if (!scope) return;
    const j = v.jurisdiction;
    if (!j || ![j.districtId, j.stationId, j.gridId].includes(scope)) {
      throw forbidden('incident is outside your jurisdiction');
    }
  }

  /** Close (结案) once no unit is still working the incident. */
  async close(id: string, disposition: string, by: Principal): Promise<IncidentView> {
    const after = new AfterCommit();
    const view = await this.database.transaction(async (tx) => {
      const incident = await lockIncident(tx, id);
      this.assertInScope(incident, by);
      if (incident.status === 'closed' || incident.status === 'cancelled') {
        throw conflict(`incident is already ${incident.status}`);
      }
      const active = await tx
        .selectFrom('assignments')
        .select(['id', 'status'])
        .where('incident_id', '=', id)
        .where('status', 'in', ['assigned', 'acknowledged', 'en_route', 'on_scene'])
        .execute();
      if (active.length) {
        throw conflict(`${active.length} unit(s) still assigned; they must clear (反馈) before the incident closes`, {
          assignmentIds: active.map((a) => a.id),
        });
      }
      const now = this.clock.now();
      const version = await bumpIncident(tx, id, { status: 'closed', closed_at: now, disposition });
      await appendIncidentEvent(tx, id, version, 'incident.closed', now, actorOf(by), { disposition, from: incident.status });
      await this.timers.cancelForIncident(tx, id, after, now);
      return readIncident(tx, id);
    });
    await after.run();
    this.realtime.incident('incident.updated', view);
    return this.forViewer(view, by);
  }

  /** Cancel (撤销): frees every unit still assigned and withdraws their tasks. */
  async cancel(id: string, reason: string, by: Principal): Promise<IncidentView> {
    const after = new AfterCommit();
    const view = await this.database.transaction(async (tx) => {
      const incident = await lockIncident(tx, id);
      this.assertInScope(incident, by);
      if (incident.status === 'closed' || incident.status === 'cancelled') {
        throw conflict(`incident is already ${incident.status}`);
      }
      const now = this.clock.now();
      const version = await bumpIncident(tx, id, { status: 'cancelled', cancelled_at: now, cancel_reason: reason });
      await appendIncidentEvent(tx, id, version, 'incident.cancelled', now, actorOf(by), { reason, from: incident.status });
      const updated = await readIncident(tx, id);
      await this.dispatch.cancelActiveAssignments(tx, updated, reason, now, after);
      await this.timers.cancelForIncident(tx, id, after, now);
      return updated;
    });
    await after.run();
    this.realtime.incident('incident.updated', view);
    return this.forViewer(view, by);
  }
}
