import { sql, type Selectable } from 'kysely';
import type { DB, DbOrTx, Tx } from '@ringcad/db';

export interface PerimeterRecord {
  id: string;
  name: string;
  jurisdiction_id: string | null;
  tiers: { sec: number; targetPct: number }[];
  updated_at: Date | string;
  checkpoints: { id: string; name: string; lon: number; lat: number }[];
}

/** Perimeters with their checkpoints in ring order (one, or all when `id` is null). */
export async function selectPerimeters(
  db: DbOrTx,
  id: string | null = null,
): Promise<PerimeterRecord[]> {
  const rows = await sql<PerimeterRecord>`
      SELECT p.id, p.name, p.jurisdiction_id, p.tiers, p.updated_at,
        COALESCE(json_agg(json_build_object('id', c.id, 'name', c.name, 'lon', ST_X(c.location), 'lat', ST_Y(c.location))
          ORDER BY pc.ord) FILTER (WHERE c.id IS NOT NULL), '[]'::json) AS checkpoints
      FROM perimeters p
      LEFT JOIN perimeter_checkpoints pc ON pc.perimeter_id = p.id
      LEFT JOIN checkpoints c ON c.id = pc.checkpoint_id
      WHERE ${id}::uuid IS NULL OR p.id = ${id}::uuid
      GROUP BY p.id ORDER BY p.name, p.id`.execute(db);
  return rows.rows;
}

export async function lockPerimeter(tx: Tx, id: string): Promise<boolean> {
  const r = await sql`SELECT 1 FROM perimeters WHERE id = ${id} FOR UPDATE`.execute(tx);
  return r.rows.length > 0;
}

export async function existingCheckpointIds(db: DbOrTx, ids: readonly string[]): Promise<string[]> {
  const r = await sql<{ id: string }>`
      SELECT id FROM checkpoints WHERE id = ANY(${ids}::uuid[])`.execute(db);
  return r.rows.map((x) => x.id);
}

export async function insertPerimeter(
  tx: Tx,
  p: { name: string; jurisdictionId: string | null; tiers: unknown; now: Date },
): Promise<string> {
  const r = await sql<{ id: string }>`
      INSERT INTO perimeters (name, jurisdiction_id, tiers, created_at, updated_at)
      VALUES (${p.name}, ${p.jurisdictionId}, ${JSON.stringify(p.tiers)}::jsonb, ${p.now}, ${p.now})
      RETURNING id`.execute(tx);
  return r.rows[0].id;
}

export async function updatePerimeterRow(
  tx: Tx,
  id: string,
  p: { name: string; jurisdictionId: string | null; tiers: unknown; now: Date },
): Promise<void> {
  await sql`
      UPDATE perimeters SET name = ${p.name}, jurisdiction_id = ${p.jurisdictionId},
        tiers = ${JSON.stringify(p.tiers)}::jsonb, updated_at = ${p.now}
      WHERE id = ${id}`.execute(tx);
}

/** The ring's checkpoints, in the order given; tiers no longer asked for lose their breach state. */
export async function replacePerimeterCheckpoints(
  tx: Tx,
  id: string,
  checkpointIds: readonly string[],
  tiersSec: readonly number[],
): Promise<void> {
  await sql`DELETE FROM perimeter_checkpoints WHERE perimeter_id = ${id}`.execute(tx);
  await sql`
      INSERT INTO perimeter_checkpoints (perimeter_id, checkpoint_id, ord)
      SELECT ${id}, c, o::int - 1 FROM unnest(${checkpointIds}::uuid[]) WITH ORDINALITY AS t(c, o)`.execute(
    tx,
  );
  await sql`
      DELETE FROM perimeter_breaches WHERE perimeter_id = ${id} AND NOT (tier_sec = ANY(${tiersSec}::int[]))`.execute(
    tx,
  );
}

export async function deletePerimeterRow(tx: Tx, id: string): Promise<void> {
  await sql`DELETE FROM perimeters WHERE id = ${id}`.execute(tx);
}

export type ActivationRecord = Selectable<DB['perimeter_activations']>;

export async function unrecalledActivations(db: DbOrTx, perimeterId: string): Promise<number> {
  const r = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM perimeter_activations
      WHERE perimeter_id = ${perimeterId} AND recalled_at IS NULL`.execute(db);
  return Number(r.rows[0].n);
}

export async function insertActivation(
  tx: Tx,
  a: Pick<ActivationRecord, 'perimeter_id' | 'incident_id' | 'activated_at' | 'activated_by'> & {
    assignments: ActivationRecord['assignments'];
  },
): Promise<ActivationRecord> {
  const r = await sql<ActivationRecord>`
      INSERT INTO perimeter_activations (perimeter_id, incident_id, assignments, activated_at, activated_by)
      VALUES (${a.perimeter_id}, ${a.incident_id}, ${JSON.stringify(a.assignments)}::jsonb, ${a.activated_at}, ${a.activated_by})
      RETURNING *`.execute(tx);
  return r.rows[0];
}

export async function lockActivation(tx: Tx, id: string): Promise<ActivationRecord | undefined> {
  const r = await sql<ActivationRecord>`
      SELECT * FROM perimeter_activations WHERE id = ${id} FOR UPDATE`.execute(tx);
  return r.rows[0];
}

export async function markRecalled(tx: Tx, id: string, at: Date, by: string | null) {
  await sql`UPDATE perimeter_activations SET recalled_at = ${at}, recalled_by = ${by}::uuid WHERE id = ${id}`.execute(
    tx,
  );
}

/** A tier's breach state, locked; absent: never judged (not in breach). */
export async function lockPerimeterBreach(
  tx: Tx,
  perimeterId: string,
  tierSec: number,
): Promise<{ open: boolean; alert_id: string | null } | undefined> {
  const r = await sql<{ open: boolean; alert_id: string | null }>`
      SELECT open, alert_id FROM perimeter_breaches
      WHERE perimeter_id = ${perimeterId} AND tier_sec = ${tierSec} FOR UPDATE`.execute(tx);
  return r.rows[0];
}

export async function savePerimeterBreach(
  tx: Tx,
  b: { perimeterId: string; tierSec: number; open: boolean; alertId: string | null; at: Date },
): Promise<void> {
  await sql`
      INSERT INTO perimeter_breaches (perimeter_id, tier_sec, open, alert_id, changed_at)
      VALUES (${b.perimeterId}, ${b.tierSec}, ${b.open}, ${b.alertId}, ${b.at})
      ON CONFLICT (perimeter_id, tier_sec) DO UPDATE SET open = EXCLUDED.open,
        alert_id = EXCLUDED.alert_id, changed_at = EXCLUDED.changed_at`.execute(tx);
}

/** Clears a breach's alert when the tier is restored (nobody needs to act on it any more). */
export async function clearAlert(
  tx: Tx,
  alertId: string,
  at: Date,
): Promise<Selectable<DB['alerts']> | undefined> {
  const r = await sql<Selectable<DB['alerts']>>`
      UPDATE alerts SET acknowledged_at = ${at}
      WHERE id = ${alertId} AND acknowledged_at IS NULL RETURNING *`.execute(tx);
  return r.rows[0];
}
