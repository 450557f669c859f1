// What the seat reads when the server refuses something: a sentence in the seat's language chosen
// by the error's code (and its details), never the server's English text. The sentences are in
// the one dictionary (i18n.ts); this file only picks them.
import type { ImportIssue } from '@ringcad/contracts';
import { ERROR_CODES, type ErrorCode } from '@ringcad/contracts/constants';
import { ApiError } from './api';
import { isKey, lang, statusLabel, translate, type Lang } from './i18n';

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
      const callsign = String(u.callsign);
      const status = typeof u.status === 'string' ? statusLabel('us', u.status, l) : '';
      return status ? translate(l, 'errBusyUnit', { callsign, status }) : callsign;
    });
  return list.join(translate(l, 'errListSep'));
}

/** Field paths of a VALIDATION_FAILED (names of our own inputs, not server prose). */
function invalidFields(details: unknown): string {
  if (!Array.isArray(details)) return '';
  const paths = details
    .map((d: { path?: unknown }) => (typeof d?.path === 'string' ? d.path : ''))
    .filter(Boolean);
  return [...new Set(paths)].join(', ');
}

/** Who still points at what a delete was refused for (IN_USE `details.references`). */
function references(details: unknown, l: Lang): string {
  const refs = (details as { references?: Record<string, unknown> } | null)?.references;
  if (!refs || typeof refs !== 'object') return '';
  return Object.entries(refs)
    .filter(([, n]) => typeof n === 'number' && n > 0)
    .map(([k, n]) => {
      const key = `ref_${k}`;
      return translate(l, 'refCount', { what: isKey(key) ? translate(l, key) : k, n: Number(n) });
    })
    .join(translate(l, 'errListSep'));
}

/** What a code's sentence adds from the error's details (nothing for most). */
const DETAIL = {
  VALIDATION_FAILED: invalidFields,
  UNIT_UNAVAILABLE: busyUnits,
  IN_USE: references,
} satisfies Partial<Record<ErrorCode, (details: unknown, l: Lang) => string>>;

function isErrorCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code);
}

function hasDetail(code: ErrorCode): code is keyof typeof DETAIL {
  return code in DETAIL;
}

/** The seat-language sentence for a failed request (or any other failure), with its code. */
export function errorMessage(err: unknown, l: Lang = lang()): string {
  if (err instanceof ApiError) {
    if (!isErrorCode(err.code)) return translate(l, 'errRequestFailed', { code: err.code });
    const base = translate(l, `err_${err.code}`);
    const detail = hasDetail(err.code) ? DETAIL[err.code](err.details, l) : '';
    return detail ? translate(l, 'errWithDetail', { base, detail }) : base;
  }
  // fetch rejects with a TypeError when the network is gone; nothing from a server to show
  return translate(l, 'errNetwork');
}

/** A refused import row's reason in the seat's language, from its code and parameters. */
export function importIssueText(issue: ImportIssue, l: Lang = lang()): string {
  const fieldKey = `adm_t_${issue.field}`;
  const field = isKey(fieldKey) ? translate(l, fieldKey) : issue.field;
  return translate(l, `imp_${issue.code}`, {
    field,
    value: issue.value ?? '',
    row: issue.row ?? '',
    count: issue.count ?? '',
    expected: (issue.expected ?? []).join(l === 'zh' ? '、' : ', '),
    detail: issue.detail ?? '',
  });
}
