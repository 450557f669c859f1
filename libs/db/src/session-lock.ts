import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * How urgently a caller needs the database session. A 110 call, a dispatch, a console's read are
 * `interactive`; storing AVL tracks and other background writes are `bulk` and wait while any
 * interactive caller is queued (with a bound, so they are never starved).
 */
export type SessionPriority = 'interactive' | 'bulk';

const priorityOfCaller = new AsyncLocalStorage<SessionPriority>();

/** Runs `fn` with every session it takes (and everything it awaits) at `bulk` priority. */
export function asBulk<T>(fn: () => Promise<T>): Promise<T> {
  return priorityOfCaller.run('bulk', fn);
}

/** The priority of the caller running now (`interactive` unless inside `asBulk`). */
export function callerPriority(): SessionPriority {
  return priorityOfCaller.getStore() ?? 'interactive';
}

/** A bulk waiter is let in after at most this many interactive grants in a row. */
const MAX_INTERACTIVE_RUN = 8;

/**
 * The mutex of PGlite's one PostgreSQL session: everything that talks to it (Kysely, the BullMQ
 * pool adapter, migrations) takes this lock so that one caller's transaction never interleaves
 * with another caller's statements. FIFO within a priority; interactive callers go before bulk
 * ones, so a 110 call waits behind at most the one statement running, not a queue of position
 * batches.
 */
export class SessionLock {
  private held = false;
  private readonly waiting: Record<SessionPriority, (() => void)[]> = {
    interactive: [],
    bulk: [],
  };
  private interactiveRun = 0;

  acquire(priority: SessionPriority = callerPriority()) {
    return new Promise<() => void>((resolve) => {
      const grant = () => {
        this.held = true;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.next();
        });
      };
      if (this.held) this.waiting[priority].push(grant);
      else grant();
    });
  }

  private next() {
    const { interactive, bulk } = this.waiting;
    let grant: (() => void) | undefined;
    if (interactive.length && (!bulk.length || this.interactiveRun < MAX_INTERACTIVE_RUN)) {
      grant = interactive.shift();
      this.interactiveRun = bulk.length ? this.interactiveRun + 1 : 0;
    } else {
      grant = bulk.shift();
      this.interactiveRun = 0;
    }
    if (grant) grant();
    else this.held = false;
  }

  async run<T>(fn: () => Promise<T>, priority: SessionPriority = callerPriority()): Promise<T> {
    const release = await this.acquire(priority);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
