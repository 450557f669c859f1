import type { ErrorCode } from '@ringcad/contracts';

/** The one error type services throw; the api maps `code` to an HTTP status in one place. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string, id?: string) =>
  new DomainError('NOT_FOUND', id ? `${what} ${id} not found` : `${what} not found`);
export const conflict = (message: string, details?: unknown) =>
  new DomainError('CONFLICT', message, details);
export const forbidden = (message = 'this role may not do that') =>
  new DomainError('FORBIDDEN', message);
