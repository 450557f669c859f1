/**
 * Waits `ms` real milliseconds; resolves false at once when `signal` aborts first (a unit pulled
 * off patrol by a task, or the simulator stopping). A non-finite `ms` waits for the abort only.
 */
export function wait(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      if (timer) clearTimeout(timer);
      resolve(false);
    };
    if (Number.isFinite(ms)) {
      timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(true);
        },
        Math.min(Math.max(0, ms), 2 ** 31 - 1),
      );
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Real milliseconds that `simSec` simulated seconds take when the world runs `speed` times faster. */
export function realMs(simSec: number, speed: number): number {
  return (simSec * 1000) / speed;
}
