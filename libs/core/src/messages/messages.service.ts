import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import type { MessageReadEvent, MessageView, SendMessageRequest } from '@ringcad/contracts';
import type { DbOrTx, Tx } from '@ringcad/db';
import {
  Clock,
  DomainError,
  conflict,
  forbidden,
  notFound,
  actorOf,
  hasRole,
  DatabaseService,
  type Principal,
  type UnitPrincipal,
  type UserPrincipal,
} from '../platform';
import {
  ScopeService,
  assertIncidentInScope,
  assertJurisdictionInScope,
  assertUnitsInScope,
  type Scope,
} from '../auth';
import { AfterCommit, RealtimePublisher } from '../realtime';
import { InputBounds } from '../roads';
import { appendIncidentEvent, bumpIncident, lockIncident, readIncident } from '../incident-log';

interface MessageRow {
  id: string;
  at: Date;
  device_at: Date | null;
  from_kind: 'user' | 'unit';
  from_id: string;
  from_name: string;
  text: string;
  to_desk: boolean;
  to_unit_ids: string[];
  to_jurisdiction_id: string | null;
  incident_id: string | null;
  reply_to: string | null;
  console_jurisdiction_ids: string[];
  recipients: { unitId: string; callsign: string; readAt: string | null }[] | null;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function toMessageView(r: MessageRow): MessageView {
  return {
    id: r.id,
    at: new Date(r.at).toISOString(),
    deviceAt: iso(r.device_at),
    from: { kind: r.from_kind, id: r.from_id, name: r.from_name },
    text: r.text,
    toDesk: r.to_desk,
    to: {
      unitIds: r.to_unit_ids ?? [],
      jurisdictionId: r.to_jurisdiction_id,
      incidentId: r.incident_id,
    },
    incidentId: r.incident_id,
    replyTo: r.reply_to,
    recipients: (r.recipients ?? []).map((x) => ({
      unitId: x.unitId,
      callsign: x.callsign,
      readAt: iso(x.readAt),
    })),
  };
}

const SELECT_MESSAGES = sql`
  SELECT m.*, (SELECT json_agg(json_build_object('unitId', r.unit_id, 'callsign', u.callsign, 'readAt', r.read_at) ORDER BY u.callsign)
               FROM message_recipients r JOIN units u ON u.id = r.unit_id WHERE r.message_id = m.id) AS recipients
  FROM messages m`;

/** Jurisdictions `ids` lie in, with every ancestor (consoles sit in their account's root jurisdiction's room). */
async function withAncestors(db: DbOrTx, ids: (string | null)[]): Promise<string[]> {
  const start = [...new Set(ids.filter((i): i is string => !!i))];
  if (!start.length) return [];
  const rows = await sql<{ id: string }>`
    WITH RECURSIVE up AS (
      SELECT id, parent_id FROM jurisdictions WHERE id = ANY(${start}::uuid[])
      UNION SELECT j.id, j.parent_id FROM jurisdictions j JOIN up ON j.id = up.parent_id)
    SELECT id FROM up`.execute(db);
  return rows.rows.map((r) => r.id);
}

/**
 * 点对点 messages between the desk and units. A desk message resolves its addressees (units named,
 * the units of a jurisdiction, the units working an incident) to recipients at send time; each
 * recipient's terminal gets `message` and answers with a read receipt. A unit writes to the desk.
 */
@Injectable()
export class MessagesService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly realtime: RealtimePublisher,
    private readonly scopes: ScopeService,
    private readonly bounds: InputBounds,
  ) {}

  async send(
    input: SendMessageRequest,
    by: Principal,
  ): Promise<{ message: MessageView; created: boolean }> {
    if (input.at !== undefined)
      this.bounds.assertRecent([Date.parse(input.at)], 24 * 3600_000, () => 'at');
    return by.kind === 'unit' ? this.sendFromUnit(input, by) : this.sendFromDesk(input, by);
  }

  private async sendFromDesk(input: SendMessageRequest, by: UserPrincipal) {
    if (!hasRole(by, 'dispatcher', 'commander'))
      throw forbidden('only dispatchers and commanders send messages to units');
    const { unitIds = [], jurisdictionId, incidentId } = input.to;
    if (!unitIds.length && !jurisdictionId && !incidentId) {
      throw new DomainError(
        'VALIDATION_FAILED',
        'to must name unitIds, a jurisdictionId or an incidentId',
        [{ path: 'to', message: 'names no recipient' }],
      );
    }
    const scope = await this.scopes.scopeOf(by);
    const after = new AfterCommit();
    const view = await this.database.transaction(async (tx) => {
      const recipients = new Set<string>();
      const consoleScopes: (string | null)[] = [];
      if (incidentId) {
        const incident = await lockIncident(tx, incidentId);
        assertIncidentInScope(scope, incident);
        if (incident.jurisdiction)
          consoleScopes.push(
            incident.jurisdiction.districtId,
            incident.jurisdiction.stationId,
            incident.jurisdiction.gridId,
          );
        const working = await tx
          .selectFrom('assignments')
          .select('unit_id')
          .where('incident_id', '=', incidentId)
          .where('status', 'in', ['assigned', 'acknowledged', 'en_route', 'on_scene'])
          .execute();
        for (const w of working) recipients.add(w.unit_id);
      }
      if (unitIds.length) {
        const units = await tx
          .selectFrom('units')
          .select(['id', 'station_id'])
          .where('id', 'in', unitIds)
          .execute();
        const missing = unitIds.find((id) => !units.some((u) => u.id === id));
        if (missing) throw notFound('unit', missing);
        assertUnitsInScope(
          scope,
          units.map((u) => ({ id: u.id, stationId: u.station_id })),
        );
        for (const u of units) recipients.add(u.id);
      }
      if (jurisdictionId) {
        assertJurisdictionInScope(scope, jurisdictionId);
        const j = await tx
          .selectFrom('jurisdictions')
          .select('id')
          .where('id', '=', jurisdictionId)
          .executeTakeFirst();
        if (!j) throw notFound('jurisdiction', jurisdictionId);
        consoleScopes.push(jurisdictionId);
        const rows = await sql<{ id: string }>`
          WITH RECURSIVE down AS (
            SELECT id FROM jurisdictions WHERE id = ${jurisdictionId}
            UNION SELECT j.id FROM jurisdictions j JOIN down d ON j.parent_id = d.id)
          SELECT u.id FROM units u WHERE u.station_id IN (SELECT id FROM down) AND u.status <> 'off_duty'`.execute(
          tx,
        );
        for (const r of rows.rows) recipients.add(r.id);
      }
      if (!recipients.size)
        throw conflict(
          'no unit to deliver to (nobody on duty there, or no unit working the incident)',
        );
      const ids = [...recipients];
      const stations = await tx
        .selectFrom('units')
        .select('station_id')
        .where('id', 'in', ids)
        .execute();
      consoleScopes.push(...stations.map((s) => s.station_id));
      return this.write(
        tx,
        input,
        by,
        { toDesk: false, recipients: ids, incidentId: incidentId ?? null, consoleScopes },
        after,
      );
    });
    await after.run();
    return { message: view, created: true };
  }

  private async sendFromUnit(input: SendMessageRequest, by: UnitPrincipal) {
    if (input.to.unitIds?.length || input.to.jurisdictionId)
      throw forbidden('a terminal writes to the desk only');
    if (input.clientId) {
      const prior = await this.findByClientId(this.database.db, by.unitId, input.clientId);
      if (prior) return { message: prior, created: false };
    }
    const after = new AfterCommit();
    const view = await this.database
      .transaction(async (tx) => {
        let incidentId = input.to.incidentId ?? null;
        const mine = await tx
          .selectFrom('assignments')
          .select(['incident_id', 'status', 'assigned_at'])
          .where('unit_id', '=', by.unitId)
          .orderBy('assigned_at', 'desc')
          .execute();
        if (incidentId && !mine.some((a) => a.incident_id === incidentId)) {
          throw forbidden('a terminal writes only about incidents its unit was sent to');
        }
        incidentId ??=
          mine.find((a) => ['assigned', 'acknowledged', 'en_route', 'on_scene'].includes(a.status))
            ?.incident_id ?? null;
        if (input.replyTo) {
          const r =
            await sql`SELECT 1 FROM message_recipients WHERE message_id = ${input.replyTo} AND unit_id = ${by.unitId}`.execute(
              tx,
            );
          if (!r.rows.length) throw notFound('message', input.replyTo);
        }
        const consoleScopes: (string | null)[] = [];
        if (incidentId) {
          const incident = await lockIncident(tx, incidentId);
          if (incident.jurisdiction)
            consoleScopes.push(
              incident.jurisdiction.districtId,
              incident.jurisdiction.stationId,
              incident.jurisdiction.gridId,
            );
        }
        const unit = await tx
          .selectFrom('units')
          .select('station_id')
          .where('id', '=', by.unitId)
          .executeTakeFirstOrThrow();
        consoleScopes.push(unit.station_id);
        return this.write(
          tx,
          input,
          by,
          { toDesk: true, recipients: [], incidentId, consoleScopes },
          after,
        );
      })
      .catch(async (err: unknown) => {
        // the same clientId sent twice at once: the other one landed
        const prior = input.clientId
          ? await this.findByClientId(this.database.db, by.unitId, input.clientId)
          : null;
        if (prior) return prior;
        throw err;
      });
    await after.run();
    return { message: view, created: true };
  }

  private async write(
    tx: Tx,
    input: SendMessageRequest,
    by: Principal,
    m: {
      toDesk: boolean;
      recipients: string[];
      incidentId: string | null;
      consoleScopes: (string | null)[];
    },
    after: AfterCommit,
  ): Promise<MessageView> {
    const now = this.clock.now();
    const actor = actorOf(by);
    const consoleIds = await withAncestors(tx, m.consoleScopes);
    const inserted = await sql<{ id: string }>`
      INSERT INTO messages (at, device_at, from_kind, from_id, from_name, text, to_desk, to_unit_ids, to_jurisdiction_id,
        incident_id, reply_to, client_id, console_jurisdiction_ids)
      VALUES (${now}, ${input.at ? new Date(input.at) : null}, ${actor.kind}, ${actor.id}, ${actor.name}, ${input.text}, ${m.toDesk},
        ${input.to.unitIds ?? []}::uuid[], ${input.to.jurisdictionId ?? null}, ${m.incidentId}, ${input.replyTo ?? null},
        ${by.kind === 'unit' ? (input.clientId ?? null) : null}, ${consoleIds}::uuid[])
      RETURNING id`.execute(tx);
    const id = inserted.rows[0].id;
    if (m.recipients.length) {
      await sql`INSERT INTO message_recipients (message_id, unit_id) SELECT ${id}, unnest(${m.recipients}::uuid[])`.execute(
        tx,
      );
    }
    const view = (await this.read(tx, sql`m.id = ${id}`))[0];
    if (m.incidentId) {
      // the incident's log keeps the exchange (and a unit's message is a sign of life on scene)
      const version = await bumpIncident(tx, m.incidentId);
      await appendIncidentEvent(
        tx,
        m.incidentId,
        version,
        by.kind === 'unit' ? 'message.from_unit' : 'message.sent',
        now,
        actor,
        {
          messageId: id,
          text: input.text,
          recipients: view.recipients.map((r) => r.callsign),
          ...(input.at ? { deviceAt: new Date(input.at).toISOString() } : {}),
        },
      );
      const incident = await readIncident(tx, m.incidentId);
      after.add(() => this.realtime.incident('incident.updated', incident));
    }
    after.add(() => {
      for (const u of m.recipients) this.realtime.toTerminal(u, 'message', view);
      this.realtime.toConsoles({ event: 'message', payload: view, jurisdictionIds: consoleIds });
    });
    return view;
  }

  private async findByClientId(
    db: DbOrTx,
    unitId: string,
    clientId: string,
  ): Promise<MessageView | null> {
    const rows = await this.read(db, sql`m.from_id = ${unitId} AND m.client_id = ${clientId}`);
    return rows[0] ?? null;
  }

  private async read(
    db: DbOrTx,
    where: ReturnType<typeof sql>,
    limit = 500,
  ): Promise<MessageView[]> {
    const rows =
      await sql<MessageRow>`${SELECT_MESSAGES} WHERE ${where} ORDER BY m.at DESC, m.id LIMIT ${limit}`.execute(
        db,
      );
    return rows.rows.map(toMessageView).reverse();
  }

  /**
   * A thread: with `unitId`, what went to and came from that unit; with `incidentId`, the
   * incident's. A terminal reads only its own unit's.
   */
  async list(
    q: { unitId?: string; incidentId?: string; limit: number },
    by: Principal,
  ): Promise<MessageView[]> {
    const scope = await this.scopes.scopeOf(by);
    const conds = [];
    if (scope.kind === 'unit') {
      if (q.unitId && q.unitId !== scope.unitId)
        throw forbidden("a terminal reads only its own unit's messages");
      conds.push(
        sql`(m.from_id = ${scope.unitId} OR EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id = m.id AND r.unit_id = ${scope.unitId}))`,
      );
    } else {
      if (q.unitId) await this.scopes.checkUnits(scope, [q.unitId]);
      if (q.incidentId) await this.scopes.checkIncident(scope, q.incidentId);
      const filter = this.scopeFilter(scope);
      if (filter) conds.push(filter);
    }
    if (q.unitId) {
      conds.push(
        sql`(m.from_id = ${q.unitId} OR EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id = m.id AND r.unit_id = ${q.unitId}))`,
      );
    }
    if (q.incidentId) conds.push(sql`m.incident_id = ${q.incidentId}`);
    const where = conds.length ? sql.join(conds, sql` AND `) : sql`TRUE`;
    return this.read(this.database.db, where, q.limit);
  }

  private scopeFilter(scope: Scope) {
    if (scope.kind !== 'jurisdictions') return null;
    return sql`m.console_jurisdiction_ids && ${[...scope.ids]}::uuid[]`;
  }

  /** The terminal read it: the desk sees the receipt (`message.read`). Repeats answer the first time. */
  async markRead(messageId: string, by: Principal): Promise<MessageReadEvent> {
    if (by.kind !== 'unit')
      throw forbidden('read receipts come from the terminal that received the message');
    const now = this.clock.now();
    const r = await sql<{ read_at: Date; fresh: boolean; console_jurisdiction_ids: string[] }>`
      WITH upd AS (
        UPDATE message_recipients SET read_at = ${now}
        WHERE message_id = ${messageId} AND unit_id = ${by.unitId} AND read_at IS NULL RETURNING read_at)
      SELECT coalesce((SELECT read_at FROM upd), r.read_at) AS read_at, EXISTS (SELECT 1 FROM upd) AS fresh,
             m.console_jurisdiction_ids
      FROM message_recipients r JOIN messages m ON m.id = r.message_id
      WHERE r.message_id = ${messageId} AND r.unit_id = ${by.unitId}`.execute(this.database.db);
    const row = r.rows[0];
    // a message not addressed to this unit does not exist for it
    if (!row) throw notFound('message', messageId);
    const receipt: MessageReadEvent = {
      messageId,
      unitId: by.unitId,
      readAt: new Date(row.read_at).toISOString(),
    };
    if (row.fresh)
      this.realtime.toConsoles({
        event: 'message.read',
        payload: receipt,
        jurisdictionIds: row.console_jurisdiction_ids,
      });
    return receipt;
  }

  /** What a terminal has not read yet (sent again when it connects). */
  unreadFor(unitId: string): Promise<MessageView[]> {
    return this.read(
      this.database.db,
      sql`EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id = m.id AND r.unit_id = ${unitId} AND r.read_at IS NULL)`,
      100,
    );
  }
}
