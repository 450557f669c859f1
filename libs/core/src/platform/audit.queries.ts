import type { Tx } from '@ringcad/db';
import type { Actor } from './principal';

/** Administrative changes go to the append-only audit log in the same transaction. */
export async function appendAudit(
  tx: Tx,
  at: Date,
  actor: Actor,
  action: string,
  entity: string,
  entityId: string | null,
  data: Record<string, unknown> = {},
) {
  await tx
    .insertInto('audit_events')
    .values({
      at,
      actor_id: actor.id,
      actor_name: actor.name,
      action,
      entity,
      entity_id: entityId,
      data: JSON.stringify(data),
    })
    .execute();
}
