import type { z } from 'zod';
import { isSafeText, UNSAFE_TEXT_MESSAGE } from '@ringcad/contracts';
import { DomainError } from './errors';

/** Deeper than any shape of the contract (GeoJSON MultiPolygons are 5 levels). */
const MAX_DEPTH = 32;

interface Issue {
  path: string;
  message: string;
}

/**
 * The first string (value or key) that the database could not store, or nesting too deep to
 * serialise safely, anywhere in `value`. Iterative, so a hostile nesting cannot overflow the stack.
 */
export function findUnsafeText(value: unknown): Issue | null {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length) {
    const { v, path } = stack.pop() as { v: unknown; path: (string | number)[] };
    if (typeof v === 'string') {
      if (!isSafeText(v)) return { path: path.join('.'), message: UNSAFE_TEXT_MESSAGE };
      continue;
    }
    if (typeof v !== 'object' || v === null || v instanceof Date) continue;
    if (path.length >= MAX_DEPTH)
      return { path: path.join('.'), message: `nested deeper than ${MAX_DEPTH} levels` };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i] });
      continue;
    }
    for (const [k, child] of Object.entries(v)) {
      if (!isSafeText(k))
        return { path: [...path, k].join('.'), message: `key ${UNSAFE_TEXT_MESSAGE}` };
      stack.push({ v: child, path: [...path, k] });
    }
  }
  return null;
}

function refuse(details: Issue[]): never {
  const summary = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ');
  throw new DomainError('VALIDATION_FAILED', `invalid input: ${summary}`, details);
}

/**
 * Parse untrusted input or throw VALIDATION_FAILED listing every problem by path. Whatever the
 * schema lets through is also checked for text the database cannot hold (a field whose schema
 * forgot `safeText()`, free-form JSON bound for jsonb), so such input is a 400, never a 500.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  // a non-JSON body (the raw parser's Buffer) would otherwise pass as {} where every field is optional
  if (Buffer.isBuffer(input))
    refuse([{ path: '', message: 'expected a JSON body (Content-Type: application/json)' }]);
  const result = schema.safeParse(input ?? {});
  if (!result.success)
    refuse(result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  const unsafe = findUnsafeText(result.data);
  if (unsafe) refuse([unsafe]);
  return result.data;
}
