import type { z } from 'zod';
import { DomainError } from './errors';

/** Parse untrusted input or throw VALIDATION_FAILED listing every problem by path. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const summary = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ');
  throw new DomainError('VALIDATION_FAILED', `invalid input: ${summary}`, details);
}
