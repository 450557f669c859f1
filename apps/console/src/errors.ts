// What the seat reads when the server refuses something: a sentence in the seat's language chosen
// by the error's code (and its details), never the server's English text.
import { ERROR_CODES, type ErrorCode } from '@ringcad/contracts/constants';
import { ApiError } from './api';
import { lang, statusLabel, type Lang } from './i18n';

interface BusyUnit {
  callsign?: unknown;
  status?: unknown;
}

function busyUnits(details: unknown, l: Lang): string {
  const units = (details as { units?: BusyUnit[] } | null)?.units;
  if (!Array.isArray(units) || !units.length) return '';
  const list = units
    .filter((u) => typeof u?.callsign === 'string')
    .map((u) => {
      const status = typeof u.status === 'string' ? statusLabel('us', u.status) : '';
      return status ? (l === 'zh' ? `${String(u.callsign)}（${status}）` : `${String(u.callsign)} (${status})`) : String(u.callsign);
    });
  return list.join(l === 'zh' ? '、' : ', ');
}

/** Field paths of a VALIDATION_FAILED (names of our own inputs, not server prose). */
function invalidFields(details: unknown): string {
  if (!Array.isArray(details)) return '';
  const paths = details.map((d: { path?: unknown }) => (typeof d?.path === 'string' ? d.path : '')).filter(Boolean);
  return [...new Set(paths)].join(', ');
}

type Message = (details: unknown, l: Lang) => string;
const both = (zh: string, en: string, extra?: (d: unknown, l: Lang) => string): Message => (d, l) => {
  const more = extra?.(d, l) ?? '';
  const base = l === 'zh' ? zh : en;
  return more ? `${base}${l === 'zh' ? '：' : ': '}${more}` : base;
};

const MESSAGES = {
  VALIDATION_FAILED: both('输入有误，请检查', 'Some input is not valid', invalidFields),
  UNAUTHENTICATED: both('登录已失效，请重新登录', 'Not signed in (or the session expired)'),
  FORBIDDEN: both('当前席位无此权限', 'This seat may not do that'),
  OUT_OF_SCOPE: both('超出本席位的辖区范围', "Outside this seat's jurisdiction"),
  NOT_FOUND: both('对象不存在或已被删除', 'Not found (it may have been removed)'),
  CONFLICT: both('当前状态不允许此操作，请刷新后重试', 'Not possible in the current state'),
  UNIT_UNAVAILABLE: both('警力不可用，未派出任何警力', 'Unit(s) not available; nothing was assigned', busyUnits),
  INCIDENT_CLOSED: both('警情已结案或已撤销', 'The incident is closed or cancelled'),
  ILLEGAL_TRANSITION: both('派警状态不允许此操作', 'The assignment cannot take this step now'),
  STALE_VERSION: both('数据已被他人更新，请查看最新状态', 'Someone changed it meanwhile; look at the latest state'),
  RATE_LIMITED: both('尝试过于频繁，请稍后再试', 'Too many attempts; try again shortly'),
  IDEMPOTENCY_KEY_REUSED: both('重复提交的内容与首次不同，未建立新警情', 'A retried request differed from the first; nothing new was filed'),
  PAYLOAD_TOO_LARGE: both('提交的内容过大', 'What was sent is too large'),
  UNSUPPORTED_MEDIA_TYPE: both('提交的内容格式不受支持', 'That kind of content is not accepted here'),
  UNAVAILABLE: both('系统暂不可用，请稍后再试', 'The system is not ready; try again shortly'),
  DEPENDENCY_DOWN: both('后台服务中断，请稍后再试', 'A back-end service is down; try again shortly'),
  INTERNAL: both('系统内部错误', 'Internal error'),
} satisfies Record<ErrorCode, Message>;

function isErrorCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code);
}

/** The seat-language sentence for a failed request (or any other failure), with its code. */
export function errorMessage(err: unknown, l: Lang = lang()): string {
  if (err instanceof ApiError) {
    if (isErrorCode(err.code)) return MESSAGES[err.code](err.details, l);
    return l === 'zh' ? `请求失败（${err.code}）` : `Request failed (${err.code})`;
  }
  // fetch rejects with a TypeError when the network is gone; nothing from a server to show
  return l === 'zh' ? '网络连接失败，请稍后再试' : 'Network error; try again shortly';
}
