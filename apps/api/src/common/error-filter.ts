import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Response } from 'express';
import type { ErrorBody, ErrorCode } from '@ringcad/contracts';
import { DomainError, asDependencyError, currentRequestId, REQUEST_ID_HEADER } from '@ringcad/core';

export const STATUS_OF = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNIT_UNAVAILABLE: 409,
  INCIDENT_CLOSED: 409,
  ILLEGAL_TRANSITION: 409,
  STALE_VERSION: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DEPENDENCY_DOWN: 503,
  OUT_OF_SCOPE: 403,
  IMPORT_REFUSED: 422,
  IN_USE: 409,
  BUILTIN: 409,
} satisfies Record<ErrorCode, number>;

const CODE_OF_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

export function errorBody(thrown: unknown): { status: number; body: ErrorBody } {
  // a driver's "connection refused / closed / timed out" is a 503 the client may retry, not a 500
  const err = asDependencyError(thrown);
  if (err instanceof DomainError) {
    return {
      status: STATUS_OF[err.code],
      body: { error: { code: err.code, message: err.message, details: err.details } },
    };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    return {
      status,
      body: { error: { code: CODE_OF_STATUS[status] ?? 'INTERNAL', message: err.message } },
    };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}

function retryAfterOf(thrown: unknown): number | undefined {
  const err = asDependencyError(thrown);
  const d =
    err instanceof DomainError
      ? (err.details as { retryAfterSec?: unknown } | undefined)
      : undefined;
  return typeof d?.retryAfterSec === 'number' ? Math.max(1, Math.ceil(d.retryAfterSec)) : undefined;
}

/** The one place where service errors become HTTP responses. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');
  catch(err: unknown, host: ArgumentsHost) {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = errorBody(err);
    const requestId = currentRequestId() ?? res.getHeader(REQUEST_ID_HEADER);
    if (typeof requestId === 'string') body.error.requestId = requestId;
    if (status === 500) this.logger.error((err as Error)?.stack ?? String(err));
    else if (body.error.code === 'DEPENDENCY_DOWN')
      this.logger.warn(`${body.error.message} (${(err as Error)?.message ?? String(err)})`);
    // 429 and 503 always tell the client when to come back (details.retryAfterSec when the
    // thrower knows better than the default)
    if (status === 429 || status === 503)
      res.setHeader('Retry-After', String(retryAfterOf(err) ?? (status === 503 ? 2 : 60)));
    res.status(status).json(body);
  }
}
