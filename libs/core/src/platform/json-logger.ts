import { ConsoleLogger } from '@nestjs/common';

/**
 * One JSON object per line on stdout for log shippers (`LOG_FORMAT=json`), in the api and the
 * worker alike; never given personal data by our code. An error's stack goes into its line
 * rather than onto stderr as loose text lines.
 */
export class JsonLogger extends ConsoleLogger {
  protected override printMessages(messages: unknown[], context = '', logLevel = 'log', _stream?: 'stdout' | 'stderr', errorStack?: unknown) {
    for (const message of messages) {
      const text = message instanceof Error ? message.message : message;
      process.stdout.write(
        `${JSON.stringify({ time: new Date().toISOString(), level: logLevel, context, message: text, ...(typeof errorStack === 'string' ? { stack: errorStack } : {}) })}\n`,
      );
    }
  }

  protected override printStackTrace() {
    // already in the JSON line
  }
}
