// What the phone accepted is kept in IndexedDB until the server has it: the outbox (positions and
// actions, in the order they happened, each with its own device time) and the state the screen
// is drawn from (token, tasks, messages), so neither a dead network nor a reload loses anything.
import { openDB, type IDBPDatabase } from 'idb';

export type OutboxItem =
  | {
      kind: 'position';
      payload: { lon: number; lat: number; at: string; speedKmh?: number; headingDeg?: number };
    }
  | {
      kind: 'task.event';
      payload: {
        assignmentId: string;
        type: string;
        at: string;
        disposition?: string;
        text?: string;
        offline?: boolean;
      };
    }
  | {
      kind: 'message';
      payload: {
        text: string;
        replyTo?: string;
        clientId: string;
        at: string;
        to?: { incidentId?: string };
      };
    }
  | { kind: 'message.read'; payload: { messageId: string } }
  | { kind: 'check-in'; payload: { assignmentId: string; at: string; text?: string } }
  | {
      kind: 'emergency';
      payload: { unitId: string; at: string; position?: { lon: number; lat: number } };
    };

export type Queued = OutboxItem & { seq: number };

let dbp: Promise<IDBPDatabase> | null = null;
function db() {
  dbp ??= openDB('ringcad-terminal', 1, {
    upgrade(d) {
      d.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
      d.createObjectStore('state');
    },
  });
  return dbp;
}

export async function enqueue(item: OutboxItem): Promise<void> {
  await (await db()).add('outbox', item);
}
export async function peek(): Promise<Queued | undefined> {
  const cursor = await (await db()).transaction('outbox').store.openCursor();
  return (cursor?.value as Queued | undefined) ?? undefined;
}
export async function remove(seq: number): Promise<void> {
  await (await db()).delete('outbox', seq);
}
export async function pendingCount(): Promise<number> {
  return (await db()).count('outbox');
}
export async function getState<T>(key: string): Promise<T | undefined> {
  return (await (await db()).get('state', key)) as T | undefined;
}
export async function putState(key: string, value: unknown): Promise<void> {
  await (await db()).put('state', value, key);
}
export async function clearAll(): Promise<void> {
  const d = await db();
  await d.clear('outbox');
  await d.clear('state');
}
