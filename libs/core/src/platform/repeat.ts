import { asBulk } from '@ringcad/db';

/**
 * Runs `task` every `everyMs`, one round at a time: a round still running when the next is due
 * (a large fleet, a loaded machine) makes that one skip, never stack. A failed round is handed
 * to `onError` and the next runs as planned. The timer does not keep the process alive. Rounds
 * are background work: on PGlite their statements wait while a 110 call or a console's read is
 * queued (`asBulk`). Returns the stop function.
 */
export function repeatWithoutOverlap(
  everyMs: number,
  task: () => Promise<unknown>,
  onError: (err: Error) => void,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    asBulk(task)
      .catch(onError)
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** What {@link sharedRuns} gives: start (or join) a run, and wait for none to be under way. */
export interface SharedRuns {
  (): Promise<void>;
  /** Settles once no run is under way or queued (a failed one included). */
  idle(): Promise<void>;
}

/**
 * `task` one run at a time in this process, shared by callers. A run already under way may have
 * begun before the caller's change committed (a read that must see it, a look for what is due):
 * a caller arriving meanwhile gets one more run after it, shared by everyone who arrives before
 * that one starts. The next run starts whether the one before succeeded or failed; each caller
 * gets its own run's outcome.
 */
export function sharedRuns(task: () => Promise<void>): SharedRuns {
  let current: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  const run = (): Promise<void> => {
    if (current) {
      next ??= current
        .catch(() => undefined)
        .then(() => {
          next = null;
          return run();
        });
      return next;
    }
    current = task().finally(() => (current = null));
    return current;
  };
  const idle = async () => {
    while (current || next) await Promise.allSettled([current, next]);
  };
  return Object.assign(run, { idle });
}
