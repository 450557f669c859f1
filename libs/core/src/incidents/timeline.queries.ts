import { sql, type Selectable } from 'kysely';
import type { AssignmentView, IncidentView } from '@ringcad/contracts';
import type { RingScheme } from '@ringcad/domain';
import type { DB, DbOrTx } from '@ringcad/db';
import {
  ASSIGNMENT_COLUMNS,
  INCIDENT_COLUMNS,
  toAssignmentView,
  toIncidentView,
  type AssignmentRow,
  type IncidentRow,
} from '../realtime';
import { toRingScheme } from '../schemes';

/** A track point as the timeline draws it: lon, lat and the fix time in epoch ms. */
export type TrackPointRecord = Pick<Selectable<DB['unit_tracks']>, 'lon' | 'lat'> & { ms: number };

/** A unit's valid fixes (flag bit 0 clear) between two times, in order. */
export async function selectTrack(
  db: DbOrTx,
  unitId: string,
  from: Date,
  to: Date,
): Promise<TrackPointRecord[]> {
  const pts = await sql<TrackPointRecord>`
          SELECT lon, lat, (extract(epoch FROM at) * 1000)::float8 AS ms FROM unit_tracks
          WHERE unit_id = ${unitId} AND at >= ${from} AND at <= ${to} AND flags & 1 = 0
          ORDER BY at LIMIT 20000`.execute(db);
  return pts.rows;
}

type EventColumns = Selectable<DB['incident_events']>;

/** An incident event as the timeline shows it. */
export interface TimelineEvent {
  seq: number;
  type: string;
  at: string;
  version: number;
  actor: { kind: EventColumns['actor_kind']; id: string | null; name: string | null };
  data: EventColumns['data'];
}

/** An incident_events row (selectIncidentEvents' columns), as either read gives it. */
export type IncidentEventRecord = Pick<
  EventColumns,
  'type' | 'version' | 'actor_kind' | 'actor_id' | 'actor_name' | 'data'
> & { seq: number | string; at: Date | string };

export function toTimelineEvent(e: IncidentEventRecord): TimelineEvent {
  return {
    seq: Number(e.seq),
    type: e.type,
    at: new Date(e.at).toISOString(),
    version: e.version,
    actor: { kind: e.actor_kind, id: e.actor_id, name: e.actor_name },
    data: e.data,
  };
}

/** What the timeline reads of one incident (selectTimeline). */
export interface TimelineRead {
  incident: IncidentView;
  /** When the call came in and when the incident was filed (the metrics' start). */
  receivedAt: Date;
  createdAt: Date;
  /** The incident's scheme; undefined when it names none that exists. */
  scheme: RingScheme | undefined;
  events: TimelineEvent[];
  /** 并案: the duplicates folded into this incident, oldest first, with their own logs. */
  merged: { incidentId: string; number: string; events: TimelineEvent[] }[];
  /** In assignment order (assigned_at, then callsign), as readAssignments gives them. */
  assignments: AssignmentView[];
  /**
   * Per assignment id, the unit's valid fixes (flag bit 0 clear) from its assignment until it was
   * cleared, declined or cancelled (or `now`), in time order, as [lon, lat, epoch ms]; bounds at
   * millisecond precision, as the assignment's times are shown.
   */
  tracks: Map<string, [number, number, number][]>;
}

/** The log columns of incident_events, ordered as written (selectIncidentEvents' columns). */
const eventsOf = (incident: RawSql) =>
  sql`(SELECT json_agg(e ORDER BY e.seq) FROM (
      SELECT seq, type, at, actor_kind, actor_id, actor_name, version, data
      FROM incident_events WHERE incident_id = ${incident}) e)`;
type RawSql = ReturnType<typeof sql>;

/**
 * Everything the timeline shows of one incident in one statement, one round trip: the incident,
 * its scheme, its log, the duplicates merged into it with theirs, its assignments and their
 * units' tracks, each part as JSON (types as the drivers give the same columns read alone:
 * timestamps parsed to the millisecond, numbers as numbers). Undefined for no such incident.
 * Eight separate reads each waited for a connection, a backend and the event loop in turn; under
 * load those turns, not the reads, were the request's time.
 */
export async function selectTimeline(
  db: DbOrTx,
  incidentId: string,
  now: Date,
): Promise<TimelineRead | undefined> {
  const r = await sql<{
    incident:
      | (Omit<IncidentRow, 'received_at' | 'created_at'> & {
          received_at: string;
          created_at: string;
        })
      | null;
    scheme: Pick<Selectable<DB['ring_schemes']>, 'id' | 'label_zh' | 'label_en' | 'tiers'> | null;
    events: IncidentEventRecord[] | null;
    merged: { id: string; number: string; events: IncidentEventRecord[] | null }[] | null;
    assignments: AssignmentRow[] | null;
    tracks: Record<string, [number, number, number][]> | null;
  }>`
    SELECT
      (SELECT row_to_json(x) FROM (SELECT ${sql.raw(INCIDENT_COLUMNS)} FROM incidents i WHERE i.id = ${incidentId}) x) AS incident,
      (SELECT row_to_json(x) FROM (
        SELECT s.id, s.label_zh, s.label_en, s.tiers FROM incidents i JOIN ring_schemes s ON s.id = i.scheme_id
        WHERE i.id = ${incidentId}) x) AS scheme,
      ${eventsOf(sql`${incidentId}`)} AS events,
      (SELECT json_agg(json_build_object('id', d.id, 'number', d.number, 'events', ${eventsOf(sql`d.id`)})
         ORDER BY d.created_at)
       FROM incidents d WHERE d.merged_into = ${incidentId}) AS merged,
      (SELECT json_agg(x ORDER BY x.assigned_at, x.callsign) FROM (
        SELECT ${sql.raw(ASSIGNMENT_COLUMNS)} FROM assignments a JOIN units u ON u.id = a.unit_id
        WHERE a.incident_id = ${incidentId}) x) AS assignments,
      (SELECT json_object_agg(t.id, t.points) FROM (
        SELECT a.id, (SELECT json_agg(ARRAY[p.lon, p.lat, p.ms] ORDER BY p.at) FROM (
          SELECT lon, lat, at, (extract(epoch FROM at) * 1000)::float8 AS ms FROM unit_tracks
          WHERE unit_id = a.unit_id AND at >= date_trunc('milliseconds', a.assigned_at)
            AND at <= coalesce(date_trunc('milliseconds', coalesce(a.cleared_at, a.declined_at, a.cancelled_at)), ${now})
            AND flags & 1 = 0
          ORDER BY at LIMIT 20000) p) AS points
        FROM assignments a WHERE a.incident_id = ${incidentId}) t
       WHERE t.points IS NOT NULL) AS tracks`.execute(db);
  const row = r.rows[0];
  if (!row?.incident) return undefined;
  const { incident, scheme } = row;
  return {
    incident: toIncidentView(incident as unknown as IncidentRow),
    receivedAt: new Date(incident.received_at),
    createdAt: new Date(incident.created_at),
    scheme: scheme ? toRingScheme(scheme) : undefined,
    events: (row.events ?? []).map(toTimelineEvent),
    merged: (row.merged ?? []).map((d) => ({
      incidentId: d.id,
      number: d.number,
      events: (d.events ?? []).map(toTimelineEvent),
    })),
    assignments: (row.assignments ?? []).map(toAssignmentView),
    tracks: new Map(Object.entries(row.tracks ?? {})),
  };
}
