// The console's live state: one store fed by the `sync` snapshot and the realtime events, read by
// every view. Views subscribe to topics and re-render; nothing ever asks the user to refresh.
import { OPEN_INCIDENT_STATUSES, decodePositionFrame, type IncidentStatus } from '@ringcad/domain';
import type {
  AlertView,
  AssignmentView,
  ConsoleSync,
  IncidentNoteEvent,
  IncidentView,
  MessageReadEvent,
  MessageView,
  NoteView,
  UnitPosition,
  UnitView,
} from '@ringcad/contracts';

export type Topic =
  | 'incidents'
  | 'assignments'
  | 'units'
  | 'positions'
  | 'alerts'
  | 'notes'
  | 'messages'
  | 'connection'
  | 'selection';
export type Connection = 'connecting' | 'online' | 'offline';

export class Store {
  readonly incidents = new Map<string, IncidentView>();
  /**
   * Incident events received while a sync snapshot is awaited (from the connect or the request
   * on). The snapshot is read after the socket joined its rooms, so these may be newer than it:
   * they are applied again on top of it (older versions are ignored by applyIncident).
   */
  private liveBeforeSync: IncidentView[] | null = null;
  readonly assignments = new Map<string, AssignmentView>();
  readonly units = new Map<string, UnitView>();
  /** Units by `num`, the name packed position frames use. */
  private readonly unitsByNum = new Map<number, UnitView>();
  readonly alerts = new Map<string, AlertView>();
  /** The running log (备注) per incident, oldest first. */
  readonly notes = new Map<string, NoteView[]>();
  connection: Connection = 'connecting';
  /** Server time minus local time at the last sync, so ages are measured on the server's clock. */
  clockSkewMs = 0;
  lastSyncAt: string | null = null;
  /**
   * The server's POSITION_STALE_SEC, from the last sync. Until a server sends it the console
   * keeps no copy of its own: a position is stale when the server last said so.
   */
  positionStaleSec: number | null = null;
  selectedIncidentId: string | null = null;
  private readonly listeners = new Map<Topic, Set<() => void>>();
  private pending = new Set<Topic>();
  private scheduled = false;

  on(topic: Topic | Topic[], fn: () => void): () => void {
    const topics = Array.isArray(topic) ? topic : [topic];
    for (const t of topics) {
      if (!this.listeners.has(t)) this.listeners.set(t, new Set());
      this.listeners.get(t)?.add(fn);
    }
    return () => topics.forEach((t) => this.listeners.get(t)?.delete(fn));
  }

  /** Coalesces notifications into one per animation frame, so an event burst renders once. */
  emit(topic: Topic) {
    this.pending.add(topic);
    if (this.scheduled) return;
    this.scheduled = true;
    const flush = () => {
      this.scheduled = false;
      const topics = this.pending;
      this.pending = new Set();
      const called = new Set<() => void>();
      for (const t of topics) {
        for (const fn of this.listeners.get(t) ?? []) {
          if (called.has(fn)) continue;
          called.add(fn);
          fn();
        }
      }
    };
    // rAF does not run in background tabs; a timer keeps state current there too
    if (document.visibilityState === 'visible') requestAnimationFrame(flush);
    else setTimeout(flush, 50);
  }

  now(): number {
    return Date.now() + this.clockSkewMs;
  }

  /** A sync snapshot is on its way (the socket connected, or one was asked for). */
  expectSync() {
    this.liveBeforeSync = [];
  }

  applySync(s: ConsoleSync) {
    this.incidents.clear();
    for (const i of s.incidents) this.incidents.set(i.id, i);
    const replay = this.liveBeforeSync ?? [];
    this.liveBeforeSync = null;
    for (const i of replay) this.applyIncident(i);
    this.assignments.clear();
    for (const a of s.assignments) this.assignments.set(a.id, a);
    this.units.clear();
    this.unitsByNum.clear();
    for (const u of s.units) {
      this.units.set(u.id, u);
      this.unitsByNum.set(u.num, u);
    }
    this.alerts.clear();
    for (const a of s.alerts) if (!a.acknowledgedAt) this.alerts.set(a.id, a);
    this.notes.clear();
    for (const n of s.notes) this.addNote(n);
    this.lastSyncAt = s.at;
    this.positionStaleSec = s.positionStaleSec;
    if (!performance.getEntriesByName('ringcad:first-sync').length)
      performance.mark('ringcad:first-sync');
    const serverNow = Date.parse(s.at);
    if (Number.isFinite(serverNow)) this.clockSkewMs = serverNow - Date.now();
    for (const t of ['incidents', 'assignments', 'units', 'positions', 'alerts', 'notes'] as const)
      this.emit(t);
  }

  /**
   * A note arrived (`incident.note`). A note bumps the incident's version without an
   * `incident.updated`, so the version is taken from here: a correction made next must not be
   * refused as stale for it.
   */
  applyNote(e: IncidentNoteEvent) {
    this.addNote(e.note);
    const cur = this.incidents.get(e.incidentId);
    if (cur && cur.version < e.version)
      this.incidents.set(e.incidentId, { ...cur, version: e.version });
    this.emit('notes');
  }

  /** The full log of an incident as the server lists it (with the notes of duplicates merged in). */
  setNotes(incidentId: string, notes: NoteView[]) {
    const merged = new Map<string, NoteView>();
    for (const n of [...(this.notes.get(incidentId) ?? []), ...notes]) merged.set(n.id, n);
    this.notes.set(
      incidentId,
      [...merged.values()].sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id)),
    );
    this.emit('notes');
  }

  /** 点对点 messages between the desk and units, by id (threads are filtered from it). */
  readonly messages = new Map<string, MessageView>();

  applyMessages(list: MessageView[]) {
    for (const m of list) this.messages.set(m.id, m);
    this.emit('messages');
  }

  applyMessageRead(r: MessageReadEvent) {
    const m = this.messages.get(r.messageId);
    if (!m) return;
    this.messages.set(m.id, {
      ...m,
      recipients: m.recipients.map((x) => (x.unitId === r.unitId ? { ...x, readAt: r.readAt } : x)),
    });
    this.emit('messages');
  }

  /** A thread, oldest first: the incident's, or everything to and from a unit. */
  messagesOf(f: { incidentId?: string; unitId?: string }): MessageView[] {
    return [...this.messages.values()]
      .filter((m) =>
        f.unitId
          ? m.from.id === f.unitId || m.recipients.some((r) => r.unitId === f.unitId)
          : m.incidentId === f.incidentId,
      )
      .sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
  }

  notesOf(incidentId: string): NoteView[] {
    return this.notes.get(incidentId) ?? [];
  }

  private addNote(n: NoteView) {
    const list = this.notes.get(n.incidentId) ?? [];
    if (list.some((x) => x.id === n.id)) return;
    list.push(n);
    list.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
    this.notes.set(n.incidentId, list);
  }

  /** Applies an incident event unless we already hold a newer version of it. */
  applyIncident(i: IncidentView) {
    this.liveBeforeSync?.push(i);
    const cur = this.incidents.get(i.id);
    if (cur && cur.version > i.version) return;
    if (!OPEN_INCIDENT_STATUSES.includes(i.status as IncidentStatus)) {
      this.incidents.delete(i.id);
      this.notes.delete(i.id);
      for (const [id, a] of this.assignments)
        if (a.incidentId === i.id) this.assignments.delete(id);
      if (this.selectedIncidentId === i.id) this.select(null);
    } else {
      this.incidents.set(i.id, i);
    }
    this.emit('incidents');
  }

  applyAssignment(a: AssignmentView) {
    this.assignments.set(a.id, a);
    this.emit('assignments');
  }

  applyUnit(u: UnitView) {
    const cur = this.units.get(u.id);
    if (
      cur &&
      typeof cur.version === 'number' &&
      typeof u.version === 'number' &&
      cur.version > u.version
    )
      return;
    this.units.set(u.id, u);
    this.unitsByNum.set(u.num, u);
    this.emit('units');
    this.emit('positions');
  }

  applyPositions(ps: UnitPosition[]) {
    for (const p of ps) {
      const u = this.units.get(p.unitId);
      if (u) this.moveUnit(u, p.lon, p.lat, p.at);
    }
    this.emit('positions');
  }

  /** A packed `units.positions.packed` frame (what this console asks the server for). */
  applyPackedPositions(frame: ArrayBuffer) {
    decodePositionFrame(frame, (num, lon, lat, atMs) => {
      const u = this.unitsByNum.get(num);
      if (u) this.moveUnit(u, lon, lat, new Date(atMs).toISOString());
    });
    this.emit('positions');
  }

  private moveUnit(u: UnitView, lon: number, lat: number, at: string) {
    if (u.position && u.position.at > at) return;
    u.position = { lon, lat, at, stale: false };
  }

  applyAlert(a: AlertView) {
    if (a.acknowledgedAt) this.alerts.delete(a.id);
    else this.alerts.set(a.id, a);
    this.emit('alerts');
  }

  setConnection(c: Connection) {
    this.connection = c;
    this.emit('connection');
  }

  select(incidentId: string | null) {
    this.selectedIncidentId = incidentId;
    this.emit('selection');
  }

  openIncidents(): IncidentView[] {
    return [...this.incidents.values()];
  }

  assignmentsOf(incidentId: string): AssignmentView[] {
    return [...this.assignments.values()]
      .filter((a) => a.incidentId === incidentId)
      .sort((a, b) => a.assignedAt.localeCompare(b.assignedAt));
  }

  /** A position is stale when the server said so or when it has aged past the limit since. */
  isStale(u: UnitView): boolean {
    if (!u.position) return true;
    if (u.position.stale) return true;
    if (this.positionStaleSec === null) return false;
    return this.now() - Date.parse(u.position.at) > this.positionStaleSec * 1000;
  }
}

/** Queue order: most urgent priority first, then the longest waiting. */
export function queueOrder(a: IncidentView, b: IncidentView): number {
  const waitingA = a.status === 'new' ? 0 : 1;
  const waitingB = b.status === 'new' ? 0 : 1;
  return a.priority - b.priority || waitingA - waitingB || a.receivedAt.localeCompare(b.receivedAt);
}

export const store = new Store();
