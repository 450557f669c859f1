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
