// 警务通: the patrol officer's terminal. One screen for the current task (stage buttons in big
// touch targets, map with route), point-to-point messages with the desk, the emergency button and
// the on-scene check-in. Every action is written to the IndexedDB outbox first and sent in order
// when the connection allows (see outbox.ts), each with the time it was taken on the phone.
import { io, type Socket } from 'socket.io-client';
import {
  TERMINAL_NAMESPACE,
  type AckResult,
  type EmergencyView,
  type MessageView,
  type TerminalTask,
  type TerminalPost,
  type PatrolPlanView,
} from '@ringcad/contracts';
import { haversineM } from '@ringcad/domain';
import { categoryLabel, currentLang, priorityLabel, setLang, statusLabel, t } from './i18n';
import {
  enqueue,
  getState,
  peek,
  pendingCount,
  putState,
  remove,
  clearAll,
  type Queued,
} from './outbox';
import { TaskMap } from './map';
import '@fontsource/noto-sans-sc/400.css';
import './styles.css';

interface Task extends TerminalTask {
  status: string;
  receivedAt: string;
}
interface Note {
  id: string;
  at: string;
  text: string;
  actor?: { name?: string };
}
interface Prompt {
  assignmentId: string;
  incidentNumber: string;
  answerBy: string;
}
type LocalMessage = MessageView & { pending?: boolean };
type Fix = { lon: number; lat: number; at: string; speedKmh?: number; headingDeg?: number };

/** Positions: at most one per MIN_INTERVAL unless moved MIN_MOVE_M, at least one per HEARTBEAT. */
const MIN_INTERVAL_MS = 5_000;
const MIN_MOVE_M = 20;
const HEARTBEAT_MS = 30_000;
const EMERGENCY_INTERVAL_MS = 2_000;
const HOLD_MS = 2_000;

const STAGES: Record<string, { type: string; label: () => string } | undefined> = {
  assigned: { type: 'ack', label: () => t('ack') },
  acknowledged: { type: 'depart', label: () => t('depart') },
  en_route: { type: 'arrive', label: () => t('arrive') },
  on_scene: { type: 'clear', label: () => t('clear') },
};
const NEXT_STATUS: Record<string, string> = {
  ack: 'acknowledged',
  depart: 'en_route',
  arrive: 'on_scene',
  clear: 'cleared',
};

const state = {
  token: null as string | null,
  unit: null as { unitId: string; callsign: string } | null,
  tasks: [] as Task[],
  notes: {} as Record<string, Note[]>,
  routes: {} as Record<string, [number, number][]>,
  messages: [] as LocalMessage[],
  emergency: null as (EmergencyView | { pending: true; raisedAt: string }) | null,
  prompt: null as Prompt | null,
  dispositions: [] as { code: string; label: { zh: string; en: string } }[],
  lastFix: null as Fix | null,
  notice: null as string | null,
  online: false,
  queued: 0,
  view: 'task' as 'task' | 'messages' | 'feedback',
  rings: 0,
  /** 巡逻方案: the unit's patrol plan (GET /api/v1/terminal/patrol-plan), shown when idle. */
  patrolPlan: null as PatrolPlanView | null,
  /** 部署岗位: posts sent by a confirmed deployment plan (post.assigned), until recalled or over. */
  posts: [] as TerminalPost[],
};

const app = document.getElementById('app') as HTMLElement;
let socket: Socket | null = null;
let taskMap: TaskMap | null = null;
let audio: AudioContext | null = null;
let lastSent: Fix | null = null;
let watchId: number | null = null;

const esc = (s: string | number | null | undefined) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
const time = (iso: string) =>
  new Date(iso).toLocaleTimeString(currentLang() === 'zh' ? 'zh-CN' : 'en-GB', {
    hour: '2-digit',
    minute: '2-digit',
  });
const current = () => state.tasks.find((x) => x.status !== 'cleared') ?? null;
const persist = () =>
  putState('screen', {
    unit: state.unit,
    tasks: state.tasks,
    notes: state.notes,
    routes: state.routes,
    messages: state.messages,
    emergency: state.emergency,
    prompt: state.prompt,
    dispositions: state.dispositions,
    lastFix: state.lastFix,
    posts: state.posts,
  });

// ───────────────────────── sound and vibration ─────────────────────────

function unlockAudio() {
  audio ??= new AudioContext();
  if (audio.state === 'suspended') void audio.resume();
}

/** A two-tone ring (WebAudio, nothing to download) and a vibration. */
function ring(kind: 'task' | 'message' | 'prompt') {
  state.rings++;
  document.body.dataset.rings = String(state.rings);
  navigator.vibrate?.(kind === 'message' ? [150] : [400, 150, 400, 150, 400]);
  try {
    unlockAudio();
    const ctx = audio as AudioContext;
    const tones = kind === 'message' ? [880] : [880, 660, 880, 660];
    tones.forEach((f, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = f;
      gain.gain.value = 0.25;
      osc.connect(gain).connect(ctx.destination);
      const at = ctx.currentTime + i * 0.25;
      osc.start(at);
      osc.stop(at + 0.2);
    });
  } catch {
    // no audio device: the vibration and the banner remain
  }
}

// ───────────────────────── sending (the outbox) ─────────────────────────

let flushing = false;
let retryTimer: number | undefined;

async function refreshQueued() {
  state.queued = await pendingCount();
  const el = document.getElementById('queued');
  if (el) el.textContent = state.queued ? `${state.queued} ${t('queued')}` : '';
  document.body.dataset.queued = String(state.queued);
}

async function accept(item: Parameters<typeof enqueue>[0]) {
  await enqueue(item);
  await refreshQueued();
  void flush();
}

function emitAck(event: string, payload: unknown): Promise<AckResult<unknown>> {
  return new Promise((resolve, reject) => {
    if (!socket?.connected) return reject(new Error('offline'));
    socket
      .timeout(10_000)
      .emit(event, payload, (err: Error | null, r: AckResult<unknown>) =>
        err ? reject(err) : resolve(r),
      );
  });
}

async function http(
  method: string,
  path: string,
  body?: unknown,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of several routes, read field by field
): Promise<{ status: number; body: any }> {
  const r = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${state.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

const RETRY_CODES = new Set(['DEPENDENCY_DOWN', 'UNAVAILABLE', 'INTERNAL', 'RATE_LIMITED']);

/** Sends one queued item: true when it is settled (accepted or refused for good), false to retry. */
async function send(item: Queued): Promise<boolean> {
  switch (item.kind) {
    case 'position':
    case 'task.event':
    case 'message.read': {
      const r = await emitAck(item.kind, item.payload);
      if (r.ok) return true;
      if (RETRY_CODES.has(r.error.code)) return false;
      if (item.kind === 'task.event') showNotice(r.error.message);
      return true;
    }
    case 'message': {
      const r = await http('POST', '/api/v1/messages', item.payload);
      if (r.status >= 500 || r.status === 429) return false;
      const i = state.messages.findIndex((m) => m.pending && m.id === item.payload.clientId);
      if (r.status === 201 && i >= 0) state.messages[i] = r.body.message as MessageView;
      else if (i >= 0) state.messages.splice(i, 1);
      await persist();
      render();
      return true;
    }
    case 'check-in': {
      const r = await http('POST', `/api/v1/assignments/${item.payload.assignmentId}/check-in`, {
        at: item.payload.at,
        text: item.payload.text,
      });
      return r.status < 500 && r.status !== 429;
    }
    case 'emergency': {
      const r = await http('POST', `/api/v1/units/${item.payload.unitId}/emergency`, {
        at: item.payload.at,
        position: item.payload.position,
      });
      if (r.status >= 500 || r.status === 429) return false;
      if (r.status < 300) state.emergency = r.body.emergency as EmergencyView;
      else showNotice(r.body?.error?.message ?? String(r.status));
      await persist();
      render();
      return true;
    }
  }
}

/** Sends the outbox in order, one at a time, while connected. */
async function flush() {
  if (flushing || checkingUnit || !socket?.connected) return;
  flushing = true;
  try {
    for (;;) {
      const item = await peek();
      if (!item) break;
      let settled = false;
      try {
        settled = await send(item);
      } catch {
        settled = false;
      }
      if (!settled) {
        window.clearTimeout(retryTimer);
        retryTimer = window.setTimeout(() => void flush(), 3000);
        break;
      }
      await remove(item.seq);
      await refreshQueued();
    }
  } finally {
    flushing = false;
  }
}

// ───────────────────────── position ─────────────────────────

function onFix(pos: GeolocationPosition) {
  const fix: Fix = {
    lon: pos.coords.longitude,
    lat: pos.coords.latitude,
    at: new Date(pos.timestamp || Date.now()).toISOString(),
  };
  if (pos.coords.speed !== null && pos.coords.speed >= 0)
    fix.speedKmh = Math.min(400, pos.coords.speed * 3.6);
  if (pos.coords.heading !== null && pos.coords.heading >= 0 && pos.coords.heading <= 360)
    fix.headingDeg = pos.coords.heading;
  state.lastFix = fix;
  const now = Date.parse(fix.at);
  const since = lastSent ? now - Date.parse(lastSent.at) : Infinity;
  const moved = lastSent ? haversineM(lastSent, fix) : Infinity;
  const urgent = state.emergency !== null;
  const due = urgent
    ? since >= EMERGENCY_INTERVAL_MS
    : (since >= MIN_INTERVAL_MS && moved >= MIN_MOVE_M) || since >= HEARTBEAT_MS;
  if (!due) return;
  lastSent = fix;
  void accept({ kind: 'position', payload: fix });
  void persist();
  void drawMap();
}

function startGeolocation() {
  if (watchId !== null || !('geolocation' in navigator)) return;
  watchId = navigator.geolocation.watchPosition(onFix, () => undefined, {
    enableHighAccuracy: true,
    maximumAge: 2000,
    timeout: 20_000,
  });
}

// ───────────────────────── socket ─────────────────────────

function connect() {
  socket?.close();
  const s = io(TERMINAL_NAMESPACE, {
    auth: { token: state.token },
    transports: ['websocket', 'polling'],
    reconnectionDelayMax: 5000,
  });
  socket = s;
  let everConnected = false;
  s.on('connect', () => {
    everConnected = true;
    state.online = true;
    renderStatus();
    void flush();
    void refreshFromServer();
  });
  let revoked = false;
  s.on('disconnect', (reason: string) => {
    state.online = false;
    renderStatus();
    if (revoked) return void signOut(t('tokenReplaced'), true);
    // closed by the server (a restart, or a replaced token whose notice was missed): try again;
    // a token that no longer works is refused below
    if (reason === 'io server disconnect') window.setTimeout(() => s.connect(), 1000);
  });
  s.on('connect_error', (err: Error) => {
    if (err.message === 'UNAUTHENTICATED') {
      s.close();
      // a mistyped token after a replaced one keeps what the phone still holds for its unit
      void signOut(
        everConnected ? t('tokenReplaced') : t('badToken'),
        everConnected || checkingUnit,
      );
    }
  });
  s.on('terminal.revoked', () => {
    revoked = true;
  });
  s.on('terminal.hello', (u: { unitId: string; callsign: string }) => {
    // what was kept from a revoked sign-in belongs to that unit: another unit's token drops it
    if (state.unit && state.unit.unitId !== u.unitId) void dropOtherUnit();
    state.unit = u;
    checkingUnit = false;
    void persist();
    render();
    void flush();
  });
  s.on('task.assigned', (task: TerminalTask) => void onTask(task, true));
  s.on('task.updated', (task: TerminalTask) => void onTask(task, false));
  s.on('task.cancelled', (p: { assignmentId: string }) => {
    const had = state.tasks.some((x) => x.assignmentId === p.assignmentId);
    state.tasks = state.tasks.filter((x) => x.assignmentId !== p.assignmentId);
    if (had) {
      showNotice(t('recalled'));
      navigator.vibrate?.([200, 100, 200]);
    }
    void persist();
    render();
  });
  s.on('post.assigned', (p: TerminalPost) => {
    overtake('posts');
    state.posts = [...state.posts.filter((x) => x.planId !== p.planId), p].sort((a, b) =>
      a.shiftStart < b.shiftStart ? -1 : 1,
    );
    ring('message');
    showNotice(`${t('newPost')}: ${p.standbyPoint.name}`);
    void persist();
    render();
  });
  s.on('post.recalled', (p: { planId: string; standbyPointId: string }) => {
    overtake('posts');
    const had = state.posts.length;
    state.posts = state.posts.filter(
      (x) => !(x.planId === p.planId && x.standbyPoint.id === p.standbyPointId),
    );
    if (state.posts.length < had) showNotice(t('postRecalled'));
    void persist();
    render();
  });
  s.on('incident.note', (p: { incidentId: string; note: Note }) => {
    const list = (state.notes[p.incidentId] ??= []);
    if (!list.some((n) => n.id === p.note.id)) list.push(p.note);
    void persist();
    render();
  });
  s.on('message', (m: MessageView) => {
    overtake('messages');
    if (state.messages.some((x) => x.id === m.id)) return;
    state.messages.push(m);
    ring('message');
    showNotice(`${t('messages')}: ${m.text}`);
    void persist();
    if (state.view === 'messages') markVisibleRead();
    render();
  });
  s.on('check-in.prompt', (p: Prompt) => {
    if (state.prompt?.assignmentId === p.assignmentId) return;
    state.prompt = p;
    ring('prompt');
    void persist();
    render();
  });
  s.on('emergency.raised', (e: EmergencyView) => {
    state.emergency = e;
    void persist();
    render();
  });
  s.on('emergency.cleared', () => {
    state.emergency = null;
    showNotice(t('emergencyCleared'));
    void persist();
    render();
  });
}

const RANK: Record<string, number> = {
  assigned: 0,
  acknowledged: 1,
  en_route: 2,
  on_scene: 3,
  cleared: 4,
};

async function onTask(task: TerminalTask, assigned: boolean) {
  const i = state.tasks.findIndex((x) => x.assignmentId === task.assignmentId);
  if (i < 0) {
    if (!assigned) return;
    state.tasks.push({ ...task, status: task.status, receivedAt: new Date().toISOString() });
    ring('task');
    showNotice(
      `${t('newTask')}: ${categoryLabel(task.incident.category)} ${task.incident.address ?? ''}`,
    );
  } else {
    // a stage taken on the phone and not yet sent is ahead of what the server says
    const local = state.tasks[i].status;
    const status = (RANK[task.status] ?? 0) >= (RANK[local] ?? 0) ? task.status : local;
    state.tasks[i] = { ...state.tasks[i], ...task, status };
  }
  await persist();
  render();
  void loadTaskExtras(task.assignmentId, task.incident.id);
}

async function loadTaskExtras(assignmentId: string, incidentId: string) {
  if (!state.online) return;
  try {
    const notes = await http('GET', `/api/v1/incidents/${incidentId}/notes`);
    if (notes.status === 200) state.notes[incidentId] = notes.body.notes as Note[];
    const route = await http('GET', `/api/v1/assignments/${assignmentId}/route`);
    if (route.status === 200)
      state.routes[assignmentId] = route.body.geometry.coordinates as [number, number][];
    await persist();
    render();
  } catch {
    // offline meanwhile: the last copy stays
  }
}

/**
 * Live events seen per list since the page loaded. A read of the list that was sent before one of
 * them arrived is older than what the phone already shows (a post recalled while its list was on
 * the way): it is read again, never laid over the newer state.
 */
const overtaken: Record<'posts' | 'messages', number> = { posts: 0, messages: 0 };
const overtake = (list: keyof typeof overtaken) => void overtaken[list]++;

/** GET `path` for `list`, again while a live event for that list arrived during the read. */
async function readList(list: keyof typeof overtaken, path: string) {
  for (let tries = 0; tries < 5; tries++) {
    const seen = overtaken[list];
    const res = await http('GET', path);
    if (overtaken[list] === seen) return res;
  }
  return null;
}

async function refreshFromServer() {
  try {
    if (!state.dispositions.length) {
      const d = await http('GET', '/api/v1/dispositions');
      if (d.status === 200)
        state.dispositions = (
          Array.isArray(d.body) ? d.body : (d.body.dispositions ?? [])
        ) as typeof state.dispositions;
    }
    const plan = await http('GET', '/api/v1/terminal/patrol-plan');
    if (plan.status === 200) state.patrolPlan = plan.body.plan as PatrolPlanView | null;
    // posts confirmed or recalled while this phone was away
    const posts = await readList('posts', '/api/v1/terminal/posts');
    if (posts?.status === 200) state.posts = posts.body.posts as TerminalPost[];
    const m = await readList('messages', '/api/v1/messages?limit=100');
    if (m?.status === 200) {
      const pending = state.messages.filter((x) => x.pending);
      state.messages = [...(m.body.messages as MessageView[]), ...pending];
    }
    await persist();
    render();
  } catch {
    // next connect
  }
}

// ───────────────────────── actions ─────────────────────────

async function stage(
  task: Task,
  type: string,
  extra: { disposition?: string; text?: string } = {},
) {
  task.status = NEXT_STATUS[type] ?? task.status;
  await accept({
    kind: 'task.event',
    payload: {
      assignmentId: task.assignmentId,
      type,
      at: new Date().toISOString(),
      ...(state.online ? {} : { offline: true }),
      ...extra,
    },
  });
  if (type === 'arrive' && state.prompt?.assignmentId === task.assignmentId) state.prompt = null;
  if (type === 'clear') {
    state.view = 'task';
    window.setTimeout(() => {
      state.tasks = state.tasks.filter((x) => x.assignmentId !== task.assignmentId);
      void persist();
      render();
    }, 1500);
  }
  await persist();
  render();
}

function markVisibleRead() {
  for (const m of state.messages) {
    if (m.from.kind !== 'user' || !state.unit) continue;
    const me = m.recipients.find((r) => r.unitId === state.unit?.unitId);
    if (me && !me.readAt) {
      me.readAt = new Date().toISOString();
      void accept({ kind: 'message.read', payload: { messageId: m.id } });
    }
  }
  void persist();
}

async function sendMessage(text: string) {
  const clientId = crypto.randomUUID();
  const at = new Date().toISOString();
  const replyTo = [...state.messages].reverse().find((m) => m.from.kind === 'user')?.id;
  const incidentId = current()?.incident.id;
  state.messages.push({
    id: clientId,
    at,
    deviceAt: at,
    from: { kind: 'unit', id: state.unit?.unitId ?? '', name: state.unit?.callsign ?? t('me') },
    text,
    toDesk: true,
    to: { unitIds: [], jurisdictionId: null, incidentId: incidentId ?? null },
    incidentId: incidentId ?? null,
    replyTo: replyTo ?? null,
    recipients: [],
    pending: true,
  });
  await accept({
    kind: 'message',
    payload: {
      text,
      clientId,
      at,
      ...(replyTo ? { replyTo } : {}),
      ...(incidentId ? { to: { incidentId } } : {}),
    },
  });
  await persist();
  render();
}

async function raiseEmergency() {
  if (!state.unit || state.emergency) return;
  const at = new Date().toISOString();
  state.emergency = { pending: true, raisedAt: at };
  ring('prompt');
  const fix = state.lastFix;
  await accept({
    kind: 'emergency',
    payload: {
      unitId: state.unit.unitId,
      at,
      ...(fix ? { position: { lon: fix.lon, lat: fix.lat } } : {}),
    },
  });
  await persist();
  render();
}

async function checkIn() {
  const p = state.prompt;
  state.prompt = null;
  if (p)
    await accept({
      kind: 'check-in',
      payload: { assignmentId: p.assignmentId, at: new Date().toISOString() },
    });
  await persist();
  render();
}

let noticeTimer: number | undefined;
function showNotice(text: string) {
  state.notice = text;
  window.clearTimeout(noticeTimer);
  noticeTimer = window.setTimeout(() => {
    state.notice = null;
    document.getElementById('notice')?.remove();
  }, 6000);
  render();
}

/**
 * Back to the sign-in screen. A token replaced by an admin keeps the outbox and the screen: what
 * the officer did is sent once they sign in with the new token of the same unit.
 */
async function signOut(reason?: string, keep = false) {
  socket?.close();
  socket = null;
  localStorage.removeItem('ringcad.terminal.token');
  state.token = null;
  state.online = false;
  if (keep) {
    await putState('token', null);
  } else {
    await clearAll();
    state.unit = null;
    state.tasks = [];
    state.messages = [];
  }
  renderSignIn(reason);
}

/** Set while a kept outbox waits for `terminal.hello` to say whose token this is. */
let checkingUnit = false;

async function dropOtherUnit() {
  await clearAll();
  Object.assign(state, { tasks: [], notes: {}, routes: {}, messages: [], emergency: null });
  Object.assign(state, { prompt: null, lastFix: null });
  await refreshQueued();
}

// ───────────────────────── rendering ─────────────────────────

function renderStatus() {
  const el = document.getElementById('net');
  if (el) {
    el.textContent = state.online ? t('online') : t('offline');
    el.className = state.online ? 'net on' : 'net off';
  }
  document.body.dataset.online = String(state.online);
}

function renderSignIn(error?: string) {
  taskMap = null;
  app.innerHTML = `
    <main class="signin">
      <h1>${t('title')}</h1>
      <p class="hint">${t('tokenHint')}</p>
      <form id="signin-form">
        <label>${t('tokenLabel')}<input id="token" name="token" autocomplete="off" autocapitalize="off" spellcheck="false" required></label>
        ${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
        <button class="big primary" type="submit">${t('signIn')}</button>
      </form>
      <button class="big" id="scan" type="button">${t('scan')}</button>
      <p id="scan-status" class="hint" role="status"></p>
      <video id="scan-video" playsinline muted hidden></video>
      <button class="link" data-action="lang">${t('lang')}</button>
    </main>`;
  document.getElementById('signin-form')?.addEventListener('submit', (e) => {
    e.preventDefault();
    unlockAudio();
    const v = (document.getElementById('token') as HTMLInputElement).value.trim();
    void signIn(tokenFrom(v));
  });
  document.getElementById('scan')?.addEventListener('click', () => void scan());
}

/** A typed token, or a whole scanned link (…/m/#token=…). */
function tokenFrom(text: string): string {
  const m = /[#&?]token=([^&]+)/.exec(text);
  return m ? decodeURIComponent(m[1]) : text;
}

type Detector = { detect(v: HTMLVideoElement): Promise<{ rawValue: string }[]> };

/**
 * What reads QR codes from the camera: the browser's own BarcodeDetector where there is one
 * (Android Chrome), else jsQR on the video's frames (desktop Linux Chromium, Firefox, older
 * phones); jsQR is bundled with the app, so scanning needs no network.
 */
async function qrReader(): Promise<Detector> {
  const Native = (
    window as unknown as { BarcodeDetector?: new (o: { formats: string[] }) => Detector }
  ).BarcodeDetector;
  if (Native) {
    try {
      const native = new Native({ formats: ['qr_code'] });
      document.body.dataset.qrReader = 'native';
      return native;
    } catch {
      // present but without QR support: jsQR below
    }
  }
  const { default: jsQR } = await import('jsqr');
  document.body.dataset.qrReader = 'jsqr';
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
  return {
    detect(video) {
      const w = video.videoWidth;
      const h = video.videoHeight;
      if (!w || !h) return Promise.resolve([]);
      // a phone camera's frame is large: read a copy no wider than 640 px
      const scale = Math.min(1, 640 / w);
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const code = jsQR(img.data, img.width, img.height, { inversionAttempts: 'dontInvert' });
      return Promise.resolve(code ? [{ rawValue: code.data }] : []);
    },
  };
}

async function scan() {
  if (!navigator.mediaDevices?.getUserMedia) return renderSignIn(t('scanUnsupported'));
  const video = document.getElementById('scan-video') as HTMLVideoElement;
  const status = document.getElementById('scan-status');
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  } catch {
    return renderSignIn(t('scanNoCamera'));
  }
  if (status) status.textContent = t('scanning');
  video.srcObject = stream;
  video.hidden = false;
  const stop = () => stream.getTracks().forEach((tr) => tr.stop());
  try {
    await video.play();
    const reader = await qrReader();
    // about a minute of looking, then the camera is given back
    for (let i = 0; i < 600 && video.isConnected; i++) {
      const codes = await reader.detect(video).catch(() => []);
      const token = codes[0] ? tokenFrom(codes[0].rawValue) : '';
      if (token) {
        stop();
        return signIn(token);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch {
    return renderSignIn(t('scanNoCamera'));
  } finally {
    stop();
  }
  video.hidden = true;
  if (status) status.textContent = '';
}

async function signIn(token: string) {
  if (!token) return;
  state.token = token;
  localStorage.setItem('ringcad.terminal.token', token);
  await putState('token', token);
  checkingUnit = state.unit !== null;
  startMain();
}

function taskHtml(task: Task) {
  const inc = task.incident;
  const notes = state.notes[inc.id] ?? [];
  const next = STAGES[task.status];
  const geo = `geo:${inc.location.lat},${inc.location.lon}?q=${inc.location.lat},${inc.location.lon}(${encodeURIComponent(inc.address ?? inc.number)})`;
  return `
    <section class="task p${inc.priority}" data-assignment="${esc(task.assignmentId)}">
      <div class="task-head">
        <span class="prio">${esc(priorityLabel(inc.priority))}</span>
        <span class="cat">${esc(categoryLabel(inc.category))}</span>
        <span class="status" id="task-status">${esc(statusLabel(task.status))}</span>
      </div>
      <div class="number">${esc(inc.number)}</div>
      <dl>
        <dt>${t('address')}</dt><dd id="task-address">${esc(inc.address ?? '—')}</dd>
        ${task.checkpoint ? `<dt>卡点</dt><dd>${esc(task.checkpoint.name)}</dd>` : ''}
        <dt>${t('description')}</dt><dd>${esc(inc.description ?? '—')}</dd>
        ${task.caller && (task.caller.name || task.caller.number) ? `<dt>${t('caller')}</dt><dd id="task-caller">${esc([task.caller.name, task.caller.number].filter(Boolean).join(' '))}</dd>` : ''}
        ${task.etaSec !== null ? `<dt>${t('eta')}</dt><dd>${Math.max(1, Math.round(task.etaSec / 60))} ${t('minutes')}</dd>` : ''}
      </dl>
      ${task.premises?.length ? `<div class="premises"><b>${t('premises')}</b>${task.premises.map((p) => `<span class="flag ${esc(p.level)}">${esc(p.name)}：${esc(p.text)}</span>`).join('')}</div>` : ''}
      <div id="map" class="map"></div>
      <a class="nav" href="${esc(geo)}">${t('navigate')} ↗</a>
      ${postsHtml(false)}
      ${notes.length ? `<div class="notes"><b>${t('notes')}</b>${notes.map((n) => `<p><time>${time(n.at)}</time> ${esc(n.text)}</p>`).join('')}</div>` : ''}
    </section>
    <nav class="stages">
      ${next ? `<button class="big stage" id="stage" data-action="stage" data-type="${next.type}">${next.label()}</button>` : `<div class="big done">${t('done')}</div>`}
    </nav>`;
}

function feedbackHtml(task: Task) {
  return `
    <section class="feedback">
      <h2>${t('clear')} · ${esc(task.incident.number)}</h2>
      <form id="feedback-form">
        <label>${t('disposition')}
          <select id="disposition" name="disposition" required>
            ${state.dispositions.map((d) => `<option value="${esc(d.code)}">${esc(d.label?.[currentLang()] ?? d.code)}</option>`).join('')}
          </select>
        </label>
        <label>${t('feedbackText')}<textarea id="feedback-text" rows="4" maxlength="2000"></textarea></label>
        <button class="big primary" type="submit" id="feedback-send">${t('send')}</button>
        <button class="big" type="button" data-action="back">${t('cancel')}</button>
      </form>
    </section>`;
}

function messagesHtml() {
  const mine = state.unit?.unitId;
  return `
    <section class="messages">
      <h2>${t('messages')}</h2>
      <ol id="thread">
        ${state.messages
          .map((m) => {
            const fromMe = m.from.kind === 'unit' && m.from.id === mine;
            return `<li class="${fromMe ? 'out' : 'in'}${m.pending ? ' pending' : ''}" data-id="${esc(m.id)}">
              <small>${esc(fromMe ? t('me') : `${t('fromDesk')} · ${m.from.name}`)} ${time(m.at)}</small>
              <p>${esc(m.text)}</p></li>`;
          })
          .join('')}
      </ol>
      <form id="reply-form">
        <input id="reply" placeholder="${t('writeMessage')}" maxlength="2000" required>
        <button class="primary" type="submit" id="reply-send">${t('send')}</button>
      </form>
      <button class="big" data-action="back">${t('cancel')}</button>
    </section>`;
}

function render() {
  if (!state.token) return;
  const task = current();
  const unread = state.messages.filter(
    (m) =>
      m.from.kind === 'user' &&
      m.recipients.some((r) => r.unitId === state.unit?.unitId && !r.readAt),
  ).length;
  const em = state.emergency;
  let body: string;
  if (state.view === 'messages') body = messagesHtml();
  else if (state.view === 'feedback' && task) body = feedbackHtml(task);
  else
    body = task
      ? taskHtml(task)
      : `<section class="idle"><h2>${t('noTask')}</h2><p>${t('noTaskHint')}</p></section>${postsHtml(!state.patrolPlan)}${patrolPlanHtml()}`;
  const mapEl = document.getElementById('map');
  // what the officer is typing survives a re-render (a message or a task arriving mid-sentence)
  const typed = ['reply', 'feedback-text', 'disposition', 'token'].map((id) => {
    const el = document.getElementById(id) as HTMLInputElement | null;
    return { id, value: el?.value, focused: el !== null && document.activeElement === el };
  });
  app.innerHTML = `
    <header>
      <b class="callsign">${esc(state.unit?.callsign ?? t('title'))}</b>
      <span id="net"></span><span id="queued" class="queued"></span>
      <button class="msg-btn" data-action="messages" id="messages-btn">${t('messages')}${unread ? ` <i class="badge" id="unread">${unread}</i>` : ''}</button>
      <button class="link" data-action="lang">${t('lang')}</button>
    </header>
    ${state.notice ? `<div class="notice" id="notice" role="status">${esc(state.notice)}</div>` : ''}
    ${!state.online ? `<div class="offline-bar">${t('offlineNotice')}</div>` : ''}
    ${em ? `<div class="emergency-bar" id="emergency-state">${t('emergencyActive')}</div>` : ''}
    <div class="body">${body}</div>
    ${state.prompt ? `<div class="modal" id="check-in"><div><h2>${t('checkInPrompt')}</h2><p>${t('checkInHint')}</p><button class="big primary" data-action="check-in" id="check-in-ok">${t('checkInOk')}</button></div></div>` : ''}
    <button class="sos${em ? ' active' : ''}" id="sos" aria-label="${t('emergency')}"><span>SOS</span><small>${em ? t('emergency') : t('emergencyHold')}</small></button>`;
  for (const f of typed) {
    const el = document.getElementById(f.id) as HTMLInputElement | null;
    if (!el || f.value === undefined) continue;
    if (f.value) el.value = f.value;
    if (f.focused) el.focus();
  }
  renderStatus();
  void refreshQueued();
  const newMapEl = document.getElementById('map');
  if (newMapEl) {
    // the map survives re-renders: its element is moved into the new layout
    if (mapEl && taskMap) newMapEl.replaceWith(mapEl);
    else taskMap = new TaskMap(newMapEl, state.token);
    void drawMap();
  } else taskMap = null;
  wireSos();
}

/** The posts whose shift has not ended (the map shows them). */
const standingPosts = () => {
  const now = new Date().toISOString();
  return state.posts.filter((p) => p.shiftEnd > now);
};

/** 部署岗位: each standing post with its shift window; `withMap` when no plan map is drawn. */
function postsHtml(withMap: boolean) {
  const posts = standingPosts();
  if (!posts.length) return '';
  const when = (iso: string) =>
    new Date(iso).toLocaleString(currentLang() === 'zh' ? 'zh-CN' : 'en-GB', {
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
  return `<section class="posts" id="posts">
      <h2>${t('post')}</h2>
      <ol>${posts
        .map(
          (p) =>
            `<li class="post" data-plan="${esc(p.planId)}"><b>${esc(p.standbyPoint.name)}</b><br><small>${t('postShift', { start: when(p.shiftStart), end: when(p.shiftEnd) })}</small></li>`,
        )
        .join('')}</ol>
      ${withMap ? '<div id="map" class="map"></div>' : ''}
    </section>`;
}

/** The unit's patrol plan when it has no task: shift, points with their frequency, its map. */
function patrolPlanHtml() {
  const plan = state.patrolPlan;
  if (!plan) return '';
  const points = plan.points
    .map(
      (p, i) =>
        `<li>${esc(p.name ?? t('patrolPoint', { n: i + 1 }))} · ${t('patrolVisits', { n: p.visitsPerShift })}</li>`,
    )
    .join('');
  return `<section class="patrol-plan" id="patrol-plan">
      <h2>${t('patrolPlan')}: ${esc(plan.name)}</h2>
      <p>${t('patrolShift', { start: plan.shift.start, end: plan.shift.end })} · ${t('patrolLines', { n: plan.lines.length })} · ${t('patrolAreas', { n: plan.areas.length })}</p>
      <ol>${points}</ol>
      <div id="map" class="map"></div>
    </section>`;
}

async function drawMap() {
  const task = current();
  await taskMap?.showPosts(standingPosts().map((p) => p.standbyPoint.location));
  if (taskMap && !task && state.patrolPlan) {
    taskMap.resize();
    return taskMap.showPlan(state.patrolPlan, state.lastFix);
  }
  if (taskMap && !task && standingPosts().length) {
    taskMap.resize();
    return taskMap.showPostOnly(standingPosts()[0].standbyPoint.location, state.lastFix);
  }
  if (!taskMap || !task) return;
  taskMap.resize();
  await taskMap.show(
    state.lastFix,
    task.checkpoint?.location ?? task.incident.location,
    state.routes[task.assignmentId] ?? null,
    task.assignmentId,
  );
}

/** The hold outlives re-renders of the button (a message arriving mid-press redraws the screen). */
let holdTimer: number | undefined;

function wireSos() {
  const btn = document.getElementById('sos');
  if (!btn) return;
  if (holdTimer !== undefined) btn.classList.add('holding');
  const cancel = () => {
    window.clearTimeout(holdTimer);
    holdTimer = undefined;
    document.getElementById('sos')?.classList.remove('holding');
  };
  btn.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    unlockAudio();
    btn.classList.add('holding');
    window.clearTimeout(holdTimer);
    holdTimer = window.setTimeout(() => {
      holdTimer = undefined;
      document.getElementById('sos')?.classList.remove('holding');
      void raiseEmergency();
    }, HOLD_MS);
  });
  btn.addEventListener('pointerup', cancel);
  btn.addEventListener('pointerleave', cancel);
  btn.addEventListener('pointercancel', cancel);
  btn.addEventListener('contextmenu', (e) => e.preventDefault());
}

app.addEventListener('click', (e) => {
  const el = (e.target as HTMLElement).closest<HTMLElement>('[data-action]');
  if (!el) return;
  unlockAudio();
  const task = current();
  switch (el.dataset.action) {
    case 'lang':
      setLang(currentLang() === 'zh' ? 'en' : 'zh');
      if (state.token) render();
      else renderSignIn();
      break;
    case 'stage':
      if (!task) break;
      if (el.dataset.type === 'clear') {
        state.view = 'feedback';
        render();
      } else void stage(task, el.dataset.type as string);
      break;
    case 'messages':
      state.view = 'messages';
      markVisibleRead();
      render();
      break;
    case 'back':
      state.view = 'task';
      render();
      break;
    case 'check-in':
      void checkIn();
      break;
    default:
      break;
  }
});

app.addEventListener('submit', (e) => {
  const form = e.target as HTMLFormElement;
  if (form.id === 'feedback-form') {
    e.preventDefault();
    const task = current();
    if (!task) return;
    const disposition = (document.getElementById('disposition') as HTMLSelectElement).value;
    const text = (document.getElementById('feedback-text') as HTMLTextAreaElement).value.trim();
    void stage(task, 'clear', { disposition, ...(text ? { text } : {}) });
  } else if (form.id === 'reply-form') {
    e.preventDefault();
    const input = document.getElementById('reply') as HTMLInputElement;
    const text = input.value.trim();
    if (text) void sendMessage(text);
  }
});

// ───────────────────────── start ─────────────────────────

function startMain() {
  render();
  connect();
  startGeolocation();
  window.addEventListener('offline', () => socket?.disconnect());
  window.addEventListener('online', () => socket?.connect());
}

async function boot() {
  // the service worker's scope is /m/: the page lives there
  if (location.pathname === '/m') return location.replace(`/m/${location.hash}`);
  setLang(currentLang());
  const fromLink = /token=([^&]+)/.exec(location.hash);
  if (fromLink) {
    await putState('token', decodeURIComponent(fromLink[1]));
    history.replaceState(null, '', '/m/');
  }
  state.token = (await getState<string>('token')) ?? null;
  const saved = await getState<Partial<typeof state>>('screen');
  if (saved) Object.assign(state, saved);
  lastSent = null;
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker
      .register('/m/sw.js', { scope: '/m/' })
      .then(async () => {
        const reg = await navigator.serviceWorker.ready;
        const urls = [
          '/m/',
          ...performance
            .getEntriesByType('resource')
            .map((r) => r.name)
            .filter((u) => new URL(u).pathname.startsWith('/m/assets/')),
        ];
        reg.active?.postMessage({ cache: urls });
      })
      .catch(() => undefined);
  }
  if (state.token) startMain();
  else renderSignIn();
}

void boot();
