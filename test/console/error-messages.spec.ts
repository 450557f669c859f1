// The console's error sentences (issue #12, item 6): every server error code gets a sentence in the
// seat's language from the code and details, never the server's English message.
import { ERROR_CODES } from '@ringcad/contracts';

// i18n reads the seat's saved language from the browser at load: give it the browser's two globals
const store = new Map<string, string>();
Object.assign(globalThis, {
  localStorage: {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => store.set(k, v),
  },
  document: { documentElement: { lang: '' } },
});

// Loaded after the globals above exist, and typed here: the console's own types need the DOM
// library, which this (Node) project does not compile with.
type ApiErrorCtor = new (status: number, code: string, message: string, details?: unknown) => Error;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ApiError } = require('../../apps/console/src/api') as { ApiError: ApiErrorCtor };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { errorMessage } = require('../../apps/console/src/errors') as {
  errorMessage: (err: unknown, l?: 'zh' | 'en') => string;
};

const SERVER_TEXT = 'unit(s) not available: 川A-巡01 (on_scene)';
const CJK = /[\u4e00-\u9fff]/;

describe('errorMessage', () => {
  it.each(ERROR_CODES.map((c) => [c]))(
    '%s has its own sentence in Chinese and in English',
    (code) => {
      const err = new ApiError(409, code, SERVER_TEXT);
      const zh = errorMessage(err, 'zh');
      const en = errorMessage(err, 'en');
      expect(zh).toMatch(CJK);
      expect(en).not.toMatch(CJK);
      expect(zh).not.toContain(SERVER_TEXT);
      expect(en).not.toContain(SERVER_TEXT);
      expect(zh).not.toContain(code);
      expect(en).not.toBe(errorMessage(new ApiError(409, 'SOMETHING_NEW', SERVER_TEXT), 'en'));
    },
  );

  it('no two codes read the same', () => {
    const zh = ERROR_CODES.map((c) => errorMessage(new ApiError(400, c, 'x'), 'zh'));
    expect(new Set(zh).size).toBe(ERROR_CODES.length);
  });

  it('names the busy units of UNIT_UNAVAILABLE with their status in the seat language', () => {
    const err = new ApiError(409, 'UNIT_UNAVAILABLE', SERVER_TEXT, {
      units: [
        { unitId: 'a', callsign: '川A-巡01', status: 'on_scene' },
        { unitId: 'b', callsign: '川A-巡02', status: 'off_duty' },
      ],
    });
    expect(errorMessage(err, 'zh')).toBe(
      '警力不可用，未派出任何警力：川A-巡01（到场）、川A-巡02（下班）',
    );
    expect(errorMessage(err, 'en')).toMatch(
      /^Unit\(s\) not available; nothing was assigned: 川A-巡01 \(.+\), 川A-巡02 \(.+\)$/,
    );
  });

  it('lists the fields of a VALIDATION_FAILED without the server prose', () => {
    const err = new ApiError(400, 'VALIDATION_FAILED', 'invalid input: location.lon: Too big', [
      { path: 'location.lon', message: 'Too big: expected number to be <=180' },
      { path: 'priority', message: 'Invalid input' },
    ]);
    expect(errorMessage(err, 'zh')).toBe('输入有误，请检查：location.lon, priority');
    expect(errorMessage(err, 'en')).not.toContain('Too big');
  });

  it('says who still uses what an IN_USE refused to delete, in the seat language', () => {
    const err = new ApiError(409, 'IN_USE', '锦江西区 is still referenced', {
      references: { units: 2, users: 1, somethingNew: 3 },
    });
    expect(errorMessage(err, 'zh')).toBe('仍被引用，未删除：警力 2、用户 1、somethingNew 3');
    expect(errorMessage(err, 'en')).toBe(
      'Still referenced; nothing was deleted: units 2, accounts 1, somethingNew 3',
    );
  });

  it('falls back to a generic sentence with the code, and names network failures', () => {
    expect(errorMessage(new ApiError(502, 'HTTP_502', 'Bad Gateway'), 'zh')).toBe(
      '请求失败（HTTP_502）',
    );
    expect(errorMessage(new ApiError(502, 'HTTP_502', 'Bad Gateway'), 'en')).toBe(
      'Request failed (HTTP_502)',
    );
    expect(errorMessage(new TypeError('fetch failed'), 'zh')).toBe('网络连接失败，请稍后再试');
  });

  it("uses the seat's language by default", () => {
    expect(errorMessage(new ApiError(409, 'INCIDENT_CLOSED', 'incident is closed'))).toBe(
      '警情已结案或已撤销',
    );
  });
});
