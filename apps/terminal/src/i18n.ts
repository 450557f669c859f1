// zh-CN first, English on the switch (remembered on the phone).
import {
  CATEGORY_LABELS,
  PRIORITY_LABELS,
  type IncidentCategory,
  type Priority,
} from '@ringcad/domain';

const zh = {
  title: '警务通',
  signIn: '登录',
  tokenLabel: '终端令牌',
  tokenHint: '输入管理员提供的终端令牌，或扫描二维码',
  scan: '扫码登录',
  scanUnsupported: '此浏览器不支持扫码，请手动输入',
  badToken: '令牌无效',
  tokenReplaced:
    '管理员已为本单位签发新的终端令牌，此令牌已失效。请用新令牌或二维码重新登录（未发送的操作会保留）',
  scanning: '正在扫描二维码…',
  scanNoCamera: '无法打开摄像头',
  signOut: '退出',
  online: '在线',
  offline: '离线',
  queued: '待发送',
  noTask: '暂无任务',
  noTaskHint: '有新任务时会响铃并振动',
  patrolPlan: '巡逻方案',
  patrolShift: '班次 {start}–{end}',
  patrolLines: '巡线 {n} 条',
  patrolAreas: '巡面 {n} 片',
  patrolPoint: '必到点 {n}',
  patrolVisits: '每班 {n} 次',
  post: '部署岗位',
  postShift: '在岗 {start}–{end}',
  newPost: '新岗位',
  postRecalled: '岗位已撤回',
  newTask: '新任务',
  recalled: '任务已撤回',
  address: '地址',
  description: '警情描述',
  caller: '报警人',
  notes: '备注',
  premises: '场所警示',
  eta: '预计到达',
  ack: '签收',
  depart: '出发',
  arrive: '到场',
  clear: '反馈',
  done: '已反馈',
  disposition: '处置结果',
  feedbackText: '反馈内容',
  send: '发送',
  cancel: '取消',
  navigate: '导航',
  messages: '消息',
  reply: '回复调度',
  writeMessage: '写消息…',
  fromDesk: '调度台',
  me: '我',
  emergency: '一键报警',
  emergencyHold: '长按 2 秒报警',
  emergencyActive: '已报警，增援正在赶来',
  emergencyCleared: '报警已解除',
  checkInPrompt: '请报平安',
  checkInHint: '您已在现场较长时间，请确认安全',
  checkInOk: '平安',
  offlineNotice: '离线：操作已保存，联网后按顺序发送',
  status_assigned: '待签收',
  status_acknowledged: '已签收',
  status_en_route: '途中',
  status_on_scene: '在现场',
  status_cleared: '已完成',
  lang: 'English',
  minutes: '分钟',
};
type Key = keyof typeof zh;
const en: Record<Key, string> = {
  title: 'Terminal',
  signIn: 'Sign in',
  tokenLabel: 'Terminal token',
  tokenHint: 'Type the terminal token from the admin, or scan its QR code',
  scan: 'Scan QR code',
  scanUnsupported: 'This browser cannot scan: type the token',
  badToken: 'Invalid token',
  tokenReplaced:
    'An admin issued a new terminal token for this unit; this one no longer works. Sign in with the new token or QR code (actions not yet sent are kept)',
  scanning: 'Scanning for a QR code…',
  scanNoCamera: 'Cannot open the camera',
  signOut: 'Sign out',
  online: 'Online',
  offline: 'Offline',
  queued: 'queued',
  noTask: 'No task',
  noTaskHint: 'A new task rings and vibrates',
  patrolPlan: 'Patrol plan',
  patrolShift: 'Shift {start}–{end}',
  patrolLines: '{n} lines',
  patrolAreas: '{n} areas',
  patrolPoint: 'Point {n}',
  patrolVisits: '{n}× per shift',
  post: 'Deployment post',
  postShift: 'On post {start}–{end}',
  newPost: 'New post',
  postRecalled: 'Post recalled',
  newTask: 'New task',
  recalled: 'Task recalled',
  address: 'Address',
  description: 'Description',
  caller: 'Caller',
  notes: 'Notes',
  premises: 'Premise warnings',
  eta: 'ETA',
  ack: 'Ack',
  depart: 'Depart',
  arrive: 'Arrive',
  clear: 'Feedback',
  done: 'Cleared',
  disposition: 'Disposition',
  feedbackText: 'Feedback',
  send: 'Send',
  cancel: 'Cancel',
  navigate: 'Navigate',
  messages: 'Messages',
  reply: 'Reply to desk',
  writeMessage: 'Write a message…',
  fromDesk: 'Desk',
  me: 'Me',
  emergency: 'EMERGENCY',
  emergencyHold: 'Hold 2 s to raise',
  emergencyActive: 'Emergency raised, help is coming',
  emergencyCleared: 'Emergency cleared',
  checkInPrompt: 'Check in',
  checkInHint: 'You have been on scene a while: confirm you are safe',
  checkInOk: 'I am safe',
  offlineNotice: 'Offline: actions are kept and sent in order when back online',
  status_assigned: 'Assigned',
  status_acknowledged: 'Acknowledged',
  status_en_route: 'En route',
  status_on_scene: 'On scene',
  status_cleared: 'Cleared',
  lang: '中文',
  minutes: 'min',
};

export type Lang = 'zh' | 'en';
let lang: Lang = (localStorage.getItem('ringcad.terminal.lang') as Lang | null) ?? 'zh';

export const currentLang = () => lang;
export function setLang(l: Lang) {
  lang = l;
  localStorage.setItem('ringcad.terminal.lang', l);
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
}
/** Text in the terminal's language; `{name}` placeholders are filled from `vars`. */
export const t = (k: Key, vars: Record<string, string | number> = {}): string =>
  (lang === 'zh' ? zh[k] : en[k]).replace(/\{(\w+)\}/g, (_, v: string) => String(vars[v] ?? ''));
export const statusLabel = (s: string): string => {
  const k = `status_${s}` as Key;
  return k in zh ? t(k) : s;
};
export const categoryLabel = (c: string): string =>
  CATEGORY_LABELS[c as IncidentCategory]?.[lang] ?? c;
export const priorityLabel = (p: number): string =>
  PRIORITY_LABELS[p as Priority]?.[lang] ?? String(p);
