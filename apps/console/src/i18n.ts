// zh-CN first, English on a switch. Domain labels (categories, unit kinds, rings) come from
// libs/domain so the console and the server never disagree on a name.
import {
  CATEGORY_LABELS,
  PRIORITY_LABELS,
  UNIT_KIND_LABELS,
  type IncidentCategory,
  type Label,
  type Priority,
  type UnitKind,
} from '@ringcad/domain';

export type Lang = 'zh' | 'en';

const zh = {
  appTitle: 'RingCAD 110 指挥调度',
  login: '登录',
  username: '用户名',
  password: '密码',
  signIn: '登录',
  signOut: '退出',
  loginFailed: '登录失败',
  langSwitch: 'English',
  online: '实时连接正常',
  connecting: '正在连接…',
  offline: '连接中断，正在重连…',
  roleCalltaker: '接警席',
  roleDispatcher: '调度席',
  roleCommander: '指挥长席',
  // call-taker
  newIncident: '新建警情',
  category: '警情类别',
  priority: '优先级',
  address: '地址',
  addressHint: '输入街道名，↓ 选择；或在地图上点击定位',
  location: '位置',
  noLocation: '未定位：选择地址建议或点击地图',
  callerNumber: '报警电话',
  callerName: '报警人',
  description: '警情描述',
  submit: '立案派发',
  submitHint: 'Enter 提交 · 描述框内 Ctrl+Enter',
  reset: '清空 (F2)',
  created: '已立案',
  duplicates: '疑似重复警情',
  duplicateLine: '{number} · 相距 {distance} 米 · {minutes} 分钟前',
  recommendation: '推荐警力',
  noCandidates: '无可用警力',
  needLocation: '请先确定警情位置',
  keysCategory: '数字键 1–8',
  keysPriority: '数字键 1–3',
  // dispatcher
  queue: '警情队列',
  queueEmpty: '暂无在办警情',
  units: '警力',
  unitBoard: '警力状态',
  candidates: '可调警力（按处置圈）',
  tier: '{label}圈',
  outsideRings: '圈外',
  eta: '预计',
  assign: '派警',
  assignHint: '空格/数字键选择 · A 派警 · R 显示路线',
  assigned: '已派',
  progress: '处置进度',
  selectIncident: '↑↓ 选择警情，Enter 打开',
  straight: '直线估算',
  noScheme: '无',
  rings: '处置圈',
  ago: '{m} 分钟前',
  agoSec: '{s} 秒前',
  // alerts
  alert_ack_overdue: '签收超时',
  alert_tier_missed: '处置圈超时',
  alertAck: '确认 (Shift+K)',
  alertsActive: '{n} 条告警待确认',
  // commander
  coverage: '处置圈覆盖',
  coverageNA: '覆盖分析暂不可用',
  coverageComputed: '计算于 {at} · {units} 支警力',
  roadKm: '路网',
  area: '面积',
  blindSpots: '盲区',
  districts: '辖区',
  kpis: '今日指标',
  kpiOpen: '在办警情',
  kpiAvailable: '可用警力',
  kpiAlerts: '待确认告警',
  kpiToday: '今日警情',
  kpiTierMet: '处置圈达标率',
  kpiP90Arrive: '到场 P90',
  kpiDispatch: '派警 P50',
  availableByDistrict: '各辖区可用警力',
  notYet: '—',
  scheme: '方案',
  // statuses
  st_new: '待派',
  st_dispatched: '已派',
  st_on_scene: '到场',
  st_resolved: '已处置',
  st_closed: '已结案',
  st_cancelled: '已撤销',
  us_off_duty: '下班',
  us_available: '可用',
  us_assigned: '已派',
  us_en_route: '在途',
  us_on_scene: '到场',
  us_out_of_service: '停用',
  as_assigned: '已派',
  as_acknowledged: '已签收',
  as_en_route: '已出发',
  as_on_scene: '已到场',
  as_cleared: '已反馈',
  as_declined: '已拒绝',
  as_cancelled: '已取消',
  stale: '位置过期',
  osm: '© OpenStreetMap contributors',
  mapError: '地图出错：{msg}',
  error: '出错：{msg}',
  // command features (封控 / 预案)
  sealing: '封控',
  sealingHide: '隐藏封控',
  sealingTier: '{min}分钟圈',
  sealable: '可封控',
  notSealable: '来不及',
  sealDispatch: '派往卡点 × {n}',
  crossingsOpen: '无卡点出口 {n} 处',
  plan: '预案',
  planMissing: '缺：{list}',
  planConfirm: '一键确认预案',
  planWorking: '已派：{list}',
  planMet: '预案警力已全部派出',
  manned: '已派 {callsign} 值守',
  roleCheckpoint: '卡点',
  noPlan: '无适用预案',
  alert_coverage_below_target: '防控等级覆盖不足',
  alert_agency_undelivered: '联动推送失败',
};

type Key = keyof typeof zh;

const en: Record<Key, string> = {
  appTitle: 'RingCAD 110 Command',
  login: 'Sign in',
  username: 'Username',
  password: 'Password',
  signIn: 'Sign in',
  signOut: 'Sign out',
  loginFailed: 'Sign-in failed',
  langSwitch: '中文',
  online: 'Live',
  connecting: 'Connecting…',
  offline: 'Connection lost, reconnecting…',
  roleCalltaker: 'Call-taker',
  roleDispatcher: 'Dispatcher',
  roleCommander: 'Commander',
  newIncident: 'New incident',
  category: 'Category',
  priority: 'Priority',
  address: 'Address',
  addressHint: 'Type a street, ↓ to pick; or click the map',
  location: 'Location',
  noLocation: 'No location yet: pick a suggestion or click the map',
  callerNumber: 'Caller number',
  callerName: 'Caller name',
  description: 'Description',
  submit: 'Create & dispatch',
  submitHint: 'Enter submits · Ctrl+Enter in description',
  reset: 'Clear (F2)',
  created: 'Created',
  duplicates: 'Possible duplicates',
  duplicateLine: '{number} · {distance} m away · {minutes} min ago',
  recommendation: 'Recommended units',
  noCandidates: 'No units available',
  needLocation: 'Set the incident location first',
  keysCategory: 'keys 1–8',
  keysPriority: 'keys 1–3',
  queue: 'Incident queue',
  queueEmpty: 'No open incidents',
  units: 'Units',
  unitBoard: 'Unit status',
  candidates: 'Candidates by ring',
  tier: '{label} ring',
  outsideRings: 'Outside rings',
  eta: 'ETA',
  assign: 'Assign',
  assignHint: 'Space/digits select · A assign · R route',
  assigned: 'Assigned',
  progress: 'Progress',
  selectIncident: '↑↓ select an incident, Enter opens it',
  straight: 'straight-line',
  noScheme: 'none',
  rings: 'Rings',
  ago: '{m} min ago',
  agoSec: '{s} s ago',
  alert_ack_overdue: 'Ack overdue',
  alert_tier_missed: 'Ring target missed',
  alertAck: 'Acknowledge (Shift+K)',
  alertsActive: '{n} alerts to acknowledge',
  coverage: 'Ring coverage',
  coverageNA: 'Coverage not available',
  coverageComputed: 'computed {at} · {units} units',
  roadKm: 'roads',
  area: 'area',
  blindSpots: 'Blind spots',
  districts: 'Districts',
  kpis: "Today's KPIs",
  kpiOpen: 'Open incidents',
  kpiAvailable: 'Available units',
  kpiAlerts: 'Open alerts',
  kpiToday: 'Incidents today',
  kpiTierMet: 'Ring targets met',
  kpiP90Arrive: 'Arrive P90',
  kpiDispatch: 'Dispatch P50',
  availableByDistrict: 'Available units by district',
  notYet: '—',
  scheme: 'Scheme',
  st_new: 'New',
  st_dispatched: 'Dispatched',
  st_on_scene: 'On scene',
  st_resolved: 'Resolved',
  st_closed: 'Closed',
  st_cancelled: 'Cancelled',
  us_off_duty: 'Off duty',
  us_available: 'Available',
  us_assigned: 'Assigned',
  us_en_route: 'En route',
  us_on_scene: 'On scene',
  us_out_of_service: 'Out of service',
  as_assigned: 'Assigned',
  as_acknowledged: 'Acknowledged',
  as_en_route: 'En route',
  as_on_scene: 'On scene',
  as_cleared: 'Cleared',
  as_declined: 'Declined',
  as_cancelled: 'Cancelled',
  stale: 'stale position',
  osm: '© OpenStreetMap contributors',
  mapError: 'Map error: {msg}',
  error: 'Error: {msg}',
  sealing: 'Sealing',
  sealingHide: 'Hide sealing',
  sealingTier: '{min}-min ring',
  sealable: 'sealable',
  notSealable: 'too late',
  sealDispatch: 'Send to checkpoints × {n}',
  crossingsOpen: '{n} exits without checkpoint',
  plan: 'Response plan',
  planMissing: 'Missing: {list}',
  planConfirm: 'Confirm plan',
  planWorking: 'Assigned: {list}',
  planMet: 'Every unit of the plan is assigned',
  manned: '{callsign} sent to man it',
  roleCheckpoint: 'checkpoint',
  noPlan: 'No plan applies',
  alert_coverage_below_target: 'Coverage below defense level',
  alert_agency_undelivered: 'Agency not reached',
};

const DICTS: Record<Lang, Record<Key, string>> = { zh, en };
const STORAGE_KEY = 'ringcad.lang';

let current: Lang = localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh';
const listeners = new Set<() => void>();

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang) {
  current = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
  for (const l of listeners) l();
}

export function onLangChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Translated text; `{name}` placeholders are filled from `vars`. */
export function t(key: Key, vars: Record<string, string | number> = {}): string {
  return DICTS[current][key].replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}

/** A status word of one of the three state machines, falling back to the raw code. */
export function statusLabel(kind: 'st' | 'us' | 'as', status: string): string {
  const key = `${kind}_${status}` as Key;
  return key in zh ? t(key) : status;
}

export function label(l: Label | undefined | null): string {
  return l ? l[current] : '';
}

export function categoryLabel(c: string): string {
  return label(CATEGORY_LABELS[c as IncidentCategory]) || c;
}

export function priorityLabel(p: number): string {
  return label(PRIORITY_LABELS[p as Priority]) || `P${p}`;
}

export function unitKindLabel(k: string): string {
  return label(UNIT_KIND_LABELS[k as UnitKind]) || k;
}

export function alertLabel(kind: string): string {
  return kind === 'ack_overdue' || kind === 'tier_missed' || kind === 'coverage_below_target' || kind === 'agency_undelivered'
    ? t(`alert_${kind}`)
    : kind;
}

document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
