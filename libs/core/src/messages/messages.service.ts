import { Injectable } from '@nestjs/common';
import type { MessageReadEvent, MessageView, SendMessageRequest } from '@ringcad/contracts';
import type { DbOrTx, Tx } from '@ringcad/db';
import {
  assignmentsOfUnit,
  insertMessage,
  insertRecipients,
  isRecipient,
  jurisdictionExists,
  markRecipientRead,
  onDutyUnitsUnder,
  selectMessages,
  stationOfUnit,
  stationsOfUnits,
  unitsWithStations,
  withAncestors,
  workingUnitsOfIncident,
  type MessageFilter,
  type MessageRecord,
} from './messages.queries';
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

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function toMessageView(r: MessageRecord): MessageView {
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
        const working = await workingUnitsOfIncident(tx, incidentId);
        for (const w of working) recipients.add(w.unit_id);
      }
      if (unitIds.length) {
        const units = await unitsWithStations(tx, unitIds);
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
        if (!(await jurisdictionExists(tx, jurisdictionId)))
          throw notFound('jurisdiction', jurisdictionId);
        consoleScopes.push(jurisdictionId);
        for (const r of await onDutyUnitsUnder(tx, jurisdictionId)) recipients.add(r.id);
      }
      if (!recipients.size)
        throw conflict(
          'no unit to deliver to (nobody on duty there, or no unit working the incident)',
        );
      const ids = [...recipients];
      const stations = await stationsOfUnits(tx, ids);
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
        const mine = await assignmentsOfUnit(tx, by.unitId);
        if (incidentId && !mine.some((a) => a.incident_id === incidentId)) {
          throw forbidden('a terminal writes only about incidents its unit was sent to');
        }
        incidentId ??=
          mine.find((a) => ['assigned', 'acknowledged', 'en_route', 'on_scene'].includes(a.status))
            ?.incident_id ?? null;
        if (input.replyTo) {
          if (!(await isRecipient(tx, input.replyTo, by.unitId)))
            throw notFound('message', input.replyTo);
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
        const unit = await stationOfUnit(tx, by.unitId);
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
    const id = await insertMessage(tx, {
      at: now,
      deviceAt: input.at ? new Date(input.at) : null,
      from: actor,
      text: input.text,
      toDesk: m.toDesk,
      toUnitIds: input.to.unitIds ?? [],
      toJurisdictionId: input.to.jurisdictionId ?? null,
      incidentId: m.incidentId,
      replyTo: input.replyTo ?? null,
      clientId: by.kind === 'unit' ? (input.clientId ?? null) : null,
      consoleJurisdictionIds: consoleIds,
    });
    if (m.recipients.length) await insertRecipients(tx, id, m.recipients);
    const view = (await this.read(tx, { id }))[0];
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
    const rows = await this.read(db, { fromUnitClient: { unitId, clientId } });
    return rows[0] ?? null;
  }

  private async read(db: DbOrTx, filter: MessageFilter, limit = 500): Promise<MessageView[]> {
    const rows = await selectMessages(db, filter, limit);
    return rows.map(toMessageView).reverse();
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
    const filter: MessageFilter = { threadsOfUnits: [] };
    if (scope.kind === 'unit') {
      if (q.unitId && q.unitId !== scope.unitId)
        throw forbidden("a terminal reads only its own unit's messages");
      filter.threadsOfUnits?.push(scope.unitId);
    } else {
      if (q.unitId) await this.scopes.checkUnits(scope, [q.unitId]);
      if (q.incidentId) await this.scopes.checkIncident(scope, q.incidentId);
      this.scopeFilter(scope, filter);
    }
    if (q.unitId) filter.threadsOfUnits?.push(q.unitId);
    if (q.incidentId) filter.incidentId = q.incidentId;
    return this.read(this.database.db, filter, q.limit);
  }

  private scopeFilter(scope: Scope, filter: MessageFilter) {
    if (scope.kind !== 'jurisdictions') return;
    filter.consoleJurisdictionIds = [...scope.ids];
  }

  /** The terminal read it: the desk sees the receipt (`message.read`). Repeats answer the first time. */
  async markRead(messageId: string, by: Principal): Promise<MessageReadEvent> {
    if (by.kind !== 'unit')
      throw forbidden('read receipts come from the terminal that received the message');
    const now = this.clock.now();
    const row = await markRecipientRead(this.database.db, messageId, by.unitId, now);
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
    return this.read(this.database.db, { unreadBy: unitId }, 100);
  }
}
