import { ConsoleLogger } from '@nestjs/common';

/** One JSON object per line for log shippers; never given personal data by our code. */
export class JsonLogger extends ConsoleLogger {
  protected override printMessages(messages: unknown[], context = '', logLevel = 'log') {
    for (const message of messages) {
      process.stdout.write(
        `${JSON.stringify({ time: new Date().toISOString(), level: logLevel, context, message })}\n`,
      );
    }
  }
}
