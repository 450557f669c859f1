import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { currentRequestId } from './request-context';

/**
 * Nest's own logger, in the api and the worker alike: one JSON object per line on stdout for log
 * shippers with `LOG_FORMAT=json` (Nest's format: level, pid, timestamp, message, context, stack),
 * Nest's coloured text otherwise. Either way a line written while a request or a job is served
 * carries its id (`requestId`). Our code never gives it personal data.
 */
export class AppLogger extends ConsoleLogger {
  constructor(format: 'json' | 'text') {
    super(format === 'json' ? { json: true, colors: false, compact: true } : {});
  }

  protected override getJsonLogObject(
    message: unknown,
    options: {
      context: string;
      logLevel: LogLevel;
      writeStreamType?: 'stdout' | 'stderr';
      errorStack?: unknown;
    },
  ) {
    const requestId = currentRequestId();
    const line = super.getJsonLogObject(
      message instanceof Error ? message.message : message,
      options,
    );
    return requestId ? { ...line, requestId } : line;
  }

  protected override formatContext(context: string): string {
    const requestId = currentRequestId();
    return super.formatContext(context) + (requestId ? `(${requestId}) ` : '');
  }
}
