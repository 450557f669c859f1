/**
 * A FIFO mutex. PGlite is one PostgreSQL session: everything that talks to it (Kysely, the
 * BullMQ pool adapter, migrations) takes this lock so that one caller's transaction never
 * interleaves with another caller's statements.
 */
export class SessionLock {
  private tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => next);
    return ready;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
