import { sql, type Selectable } from 'kysely';
import type { DB, DbOrTx, Tx } from '@ringcad/db';

export type TrainingSettingRecord = Selectable<DB['training_settings']>;

/** The switch's row, undefined while nobody ever set it (off). */
export async function selectTrainingSetting(
  db: DbOrTx,
  key: string,
): Promise<TrainingSettingRecord | undefined> {
  const r = await sql<TrainingSettingRecord>`
      SELECT * FROM training_settings WHERE key = ${key}`.execute(db);
  return r.rows[0];
}

export async function upsertTrainingSetting(
  tx: Tx,
  s: Pick<
    TrainingSettingRecord,
    'key' | 'enabled' | 'updated_at' | 'updated_by' | 'updated_by_name'
  >,
): Promise<TrainingSettingRecord> {
  const r = await sql<TrainingSettingRecord>`
      INSERT INTO training_settings (key, enabled, updated_at, updated_by, updated_by_name)
      VALUES (${s.key}, ${s.enabled}, ${s.updated_at}, ${s.updated_by}, ${s.updated_by_name})
      ON CONFLICT (key) DO UPDATE SET enabled = EXCLUDED.enabled, updated_at = EXCLUDED.updated_at,
        updated_by = EXCLUDED.updated_by, updated_by_name = EXCLUDED.updated_by_name
      RETURNING *`.execute(tx);
  return r.rows[0];
}
