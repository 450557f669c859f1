/** What the simulator logs through. Never pass personal data (caller numbers, names) to it. */
export interface SimLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function consoleLogger(scope = 'simulator'): SimLogger {
  const line = (level: string, message: string) =>
    `${new Date().toISOString()} ${level} [${scope}] ${message}\n`;
  return {
    info: (m) => process.stdout.write(line('INFO', m)),
    warn: (m) => process.stderr.write(line('WARN', m)),
    error: (m) => process.stderr.write(line('ERROR', m)),
  };
}

export const silentLogger: SimLogger = { info: () => {}, warn: () => {}, error: () => {} };
