import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { DB, DbOrTx, Tx } from '@ringcad/db';
import type { Actor } from '../platform';

/** A `messages` row with its recipients (units, callsigns, read receipts) as JSON. */
export type MessageRecord = Selectable<DB['messages']> & {
  recipients: { unitId: string; callsign: string; readAt: string | null }[] | null;
};

/** A recipient's read receipt (`read_at` set by then) with who sees the message. */
export type ReadReceiptRecord = Pick<Selectable<DB['messages']>, 'console_jurisdiction_ids'> & {
  read_at: Date;
  fresh: boolean;
};

/** The columns of a new message, as `write` inserts them. */
export interface NewMessage {
  at: Date;
  deviceAt: Date | null;
  /** Who sends it (the insert takes kind, id and name as they are). */
  from: Actor;
  text: string;
  toDesk: boolean;
  toUnitIds: string[];
  toJurisdictionId: string | null;
  incidentId: string | null;
  replyTo: string | null;
  clientId: string | null;
  consoleJurisdictionIds: string[];
}

/** Which messages to read; the conditions given are ANDed. */
export interface MessageFilter {
  id?: string;
  /** A unit's own message by its client id (a terminal's resend). */
  fromUnitClient?: { unitId: string; clientId: string };
  /** Each: what went to or came from that unit. */
  threadsOfUnits?: string[];
  /** Seen by a console of one of these jurisdictions. */
  consoleJurisdictionIds?: string[];
  incidentId?: string;
  /** Addressed to the unit and not read yet. */
  unreadBy?: string;
}

const SELECT_MESSAGES = sql`
  SELECT m.*, (SELECT json_agg(json_build_object('unitId', r.unit_id, 'callsign', u.callsign, 'readAt', r.read_at) ORDER BY u.callsign)
               FROM message_recipients r JOIN units u ON u.id = r.unit_id WHERE r.message_id = m.id) AS recipients
  FROM messages m`;

function messageWhere(f: MessageFilter): RawBuilder<unknown> {
  const conds: RawBuilder<unknown>[] = [];
  if (f.id !== undefined) conds.push(sql`m.id = ${f.id}`);
  if (f.fromUnitClient)
    conds.push(
      sql`m.from_id = ${f.fromUnitClient.unitId} AND m.client_id = ${f.fromUnitClient.clientId}`,
    );
  for (const unitId of f.threadsOfUnits ?? [])
    conds.push(
      sql`(m.from_id = ${unitId} OR EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id = m.id AND r.unit_id = ${unitId}))`,
    );
  if (f.consoleJurisdictionIds)
    conds.push(sql`m.console_jurisdiction_ids && ${f.consoleJurisdictionIds}::uuid[]`);
  if (f.incidentId !== undefined) conds.push(sql`m.incident_id = ${f.incidentId}`);
  if (f.unreadBy !== undefined)
    conds.push(
      sql`EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id = m.id AND r.unit_id = ${f.unreadBy} AND r.read_at IS NULL)`,
    );
  return conds.length ? sql.join(conds, sql` AND `) : sql`TRUE`;
}

/** The newest `limit` messages matching `f`, newest first. */
export async function selectMessages(
  db: DbOrTx,
  f: MessageFilter,
  limit: number,
): Promise<MessageRecord[]> {
  const rows =
    await sql<MessageRecord>`${SELECT_MESSAGES} WHERE ${messageWhere(f)} ORDER BY m.at DESC, m.id LIMIT ${limit}`.execute(
      db,
    );
  return rows.rows;
}

/** Jurisdictions `ids` lie in, with every ancestor (consoles sit in their account's root jurisdiction's room). */
export async function withAncestors(db: DbOrTx, ids: (string | null)[]): Promise<string[]> {
  const start = [...new Set(ids.filter((i): i is string => !!i))];
  if (!start.length) return [];
  const rows = await sql<Pick<Selectable<DB['jurisdictions']>, 'id'>>`
    WITH RECURSIVE up AS (
      SELECT id, parent_id FROM jurisdictions WHERE id = ANY(${start}::uuid[])
      UNION SELECT j.id, j.parent_id FROM jurisdictions j JOIN up ON j.id = up.parent_id)
    SELECT id FROM up`.execute(db);
  return rows.rows.map((r) => r.id);
}

/** The units working the incident (an active assignment). */
export function workingUnitsOfIncident(tx: Tx, incidentId: string) {
  return tx
    .selectFrom('assignments')
    .select('unit_id')
    .where('incident_id', '=', incidentId)
    .where('status', 'in', ['assigned', 'acknowledged', 'en_route', 'on_scene'])
    .execute();
}

export function unitsWithStations(tx: Tx, unitIds: string[]) {
  return tx.selectFrom('units').select(['id', 'station_id']).where('id', 'in', unitIds).execute();
}

export async function jurisdictionExists(tx: Tx, jurisdictionId: string): Promise<boolean> {
  const j = await tx
    .selectFrom('jurisdictions')
    .select('id')
    .where('id', '=', jurisdictionId)
    .executeTakeFirst();
  return !!j;
}

/** The units of the jurisdiction and everything under it that are not off duty. */
export async function onDutyUnitsUnder(
  tx: Tx,
  jurisdictionId: string,
): Promise<Pick<Selectable<DB['units']>, 'id'>[]> {
  const rows = await sql<Pick<Selectable<DB['units']>, 'id'>>`
          WITH RECURSIVE down AS (
            SELECT id FROM jurisdictions WHERE id = ${jurisdictionId}
            UNION SELECT j.id FROM jurisdictions j JOIN down d ON j.parent_id = d.id)
          SELECT u.id FROM units u WHERE u.station_id IN (SELECT id FROM down) AND u.status <> 'off_duty'`.execute(
    tx,
  );
  return rows.rows;
}

export function stationsOfUnits(tx: Tx, unitIds: string[]) {
  return tx.selectFrom('units').select('station_id').where('id', 'in', unitIds).execute();
}

export function stationOfUnit(tx: Tx, unitId: string) {
  return tx
    .selectFrom('units')
    .select('station_id')
    .where('id', '=', unitId)
    .executeTakeFirstOrThrow();
}

/** Every assignment the unit ever had, newest first. */
export function assignmentsOfUnit(tx: Tx, unitId: string) {
  return tx
    .selectFrom('assignments')
    .select(['incident_id', 'status', 'assigned_at'])
    .where('unit_id', '=', unitId)
    .orderBy('assigned_at', 'desc')
    .execute();
}

/** Whether the message was addressed to the unit. */
export async function isRecipient(tx: Tx, messageId: string, unitId: string): Promise<boolean> {
  const r =
    await sql`SELECT 1 FROM message_recipients WHERE message_id = ${messageId} AND unit_id = ${unitId}`.execute(
      tx,
    );
  return r.rows.length > 0;
}

export async function insertMessage(tx: Tx, m: NewMessage): Promise<string> {
  const inserted = await sql<Pick<Selectable<DB['messages']>, 'id'>>`
      INSERT INTO messages (at, device_at, from_kind, from_id, from_name, text, to_desk, to_unit_ids, to_jurisdiction_id,
        incident_id, reply_to, client_id, console_jurisdiction_ids)
      VALUES (${m.at}, ${m.deviceAt}, ${m.from.kind}, ${m.from.id}, ${m.from.name}, ${m.text}, ${m.toDesk},
        ${m.toUnitIds}::uuid[], ${m.toJurisdictionId}, ${m.incidentId}, ${m.replyTo},
        ${m.clientId}, ${m.consoleJurisdictionIds}::uuid[])
      RETURNING id`.execute(tx);
  return inserted.rows[0].id;
}

export async function insertRecipients(
  tx: Tx,
  messageId: string,
  unitIds: string[],
): Promise<void> {
  await sql`INSERT INTO message_recipients (message_id, unit_id) SELECT ${messageId}, unnest(${unitIds}::uuid[])`.execute(
    tx,
  );
}

/**
 * Sets the unit's read receipt once; the row (undefined when the message was not addressed to
 * the unit) says when it was read, whether this call set it, and who sees the message.
 */
export async function markRecipientRead(
  db: DbOrTx,
  messageId: string,
  unitId: string,
  now: Date,
): Promise<ReadReceiptRecord | undefined> {
  const r = await sql<ReadReceiptRecord>`
      WITH upd AS (
        UPDATE message_recipients SET read_at = ${now}
        WHERE message_id = ${messageId} AND unit_id = ${unitId} AND read_at IS NULL RETURNING read_at)
      SELECT coalesce((SELECT read_at FROM upd), r.read_at) AS read_at, EXISTS (SELECT 1 FROM upd) AS fresh,
             m.console_jurisdiction_ids
      FROM message_recipients r JOIN messages m ON m.id = r.message_id
      WHERE r.message_id = ${messageId} AND r.unit_id = ${unitId}`.execute(db);
  return r.rows[0];
}
