import { z } from 'zod';
import { createIncidentSchema, isSafeText, safeText } from '@ringcad/contracts';
import { DomainError } from './errors';
import { findUnsafeText, parseInput } from './validation';

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return { code: err.code, details: err.details };
    throw err;
  }
  throw new Error('not refused');
};

describe('text the database cannot hold', () => {
  it.each([
    ['plain 中文 text\twith\ttabs\r\nand lines', true],
    ['emoji 💥 and astral 𠀋 pairs', true],
    ['NUL \u0000 inside', false],
    ['bell \u0007', false],
    ['escape \u001b[31m', false],
    ['lone high \ud800', false],
    ['lone low \udc00 first', false],
    ['reversed pair \udc00\ud800', false],
    ['trailing high \udbff', false],
  ])('%j safe: %p', (s, safe) => {
    expect(isSafeText(s)).toBe(safe);
    expect(safeText().safeParse(s).success).toBe(safe);
  });

  it('is found at any depth and in keys, with its path', () => {
    expect(findUnsafeText({ a: [{ b: 'ok' }, { c: 'x\u0000' }] })).toEqual({
      path: 'a.1.c',
      message: expect.any(String),
    });
    expect(findUnsafeText({ ok: { 'k\ud800': 1 } })?.path).toBe('ok.k\ud800');
    expect(findUnsafeText({ a: 1, b: [true, null, 'fine'] })).toBeNull();
  });

  it('refuses hostile nesting without overflowing the stack', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findUnsafeText(deep)?.message).toMatch(/nested deeper/);
  });

  it('parseInput refuses what a schema lets through (free-form JSON bound for jsonb)', () => {
    const freeForm = z.object({ data: z.record(z.string(), z.unknown()) });
    expect(refusal(() => parseInput(freeForm, { data: { note: ['a', 'b\u0000'] } }))).toEqual({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'data.note.1', message: expect.any(String) }],
    });
    expect(parseInput(freeForm, { data: { note: ['a', 'b'] } })).toEqual({
      data: { note: ['a', 'b'] },
    });
  });

  it('parseInput names the contract field and refuses a non-JSON body', () => {
    const body = {
      location: { lon: 104, lat: 30 },
      category: 'fire',
      priority: 2,
      callerName: '王\ud800',
    };
    expect(refusal(() => parseInput(createIncidentSchema, body))).toMatchObject({
      details: [{ path: 'callerName' }],
    });
    expect(
      refusal(() => parseInput(z.object({ a: z.string().optional() }), Buffer.from('{}'))),
    ).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
