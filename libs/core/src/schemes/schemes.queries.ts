import { sql, type Selectable } from 'kysely';
import type { DB, DbOrTx } from '@ringcad/db';
import type { RingTier } from '@ringcad/domain';

export type RingSchemeRow = Selectable<DB['ring_schemes']>;

export function selectSchemes(db: DbOrTx): Promise<RingSchemeRow[]> {
  return db
    .selectFrom('ring_schemes')
    .selectAll()
    .orderBy('builtin', 'desc')
    .orderBy('id')
    .execute();
}

export function selectScheme(db: DbOrTx, id: string): Promise<RingSchemeRow | undefined> {
  return db.selectFrom('ring_schemes').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The new scheme; undefined when the id is taken. */
export function insertScheme(
  db: DbOrTx,
  s: { id: string; label: { zh: string; en: string }; tiers: RingTier[] },
  at: Date,
): Promise<RingSchemeRow | undefined> {
  return db
    .insertInto('ring_schemes')
    .values({
      id: s.id,
      label_zh: s.label.zh,
      label_en: s.label.en,
      tiers: JSON.stringify(s.tiers),
      created_at: at,
      updated_at: at,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function updateScheme(
  db: DbOrTx,
  id: string,
  s: { label: { zh: string; en: string }; tiers: RingTier[] },
  at: Date,
): Promise<RingSchemeRow | undefined> {
  return db
    .updateTable('ring_schemes')
    .set({
      label_zh: s.label.zh,
      label_en: s.label.en,
      tiers: JSON.stringify(s.tiers),
      updated_at: at,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteScheme(db: DbOrTx, id: string): Promise<void> {
  await db.deleteFrom('ring_schemes').where('id', '=', id).execute();
}

/** Who holds a scheme: jurisdictions and plans choose it, incidents were held to it. */
export async function schemeReferences(db: DbOrTx, id: string) {
  const r = await sql<{ jurisdictions: number; plans: number; incidents: number }>`
      SELECT (SELECT count(*) FROM jurisdictions WHERE scheme_id = ${id})::int AS jurisdictions,
             (SELECT count(*) FROM response_plans WHERE scheme_id = ${id})::int AS plans,
             (SELECT count(*) FROM incidents WHERE scheme_id = ${id})::int AS incidents`.execute(
    db,
  );
  return r.rows[0];
}
