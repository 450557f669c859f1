import type { AppConfig, DatabaseService } from '../platform';
import { repeatWithoutOverlap } from '../platform';

/**
 * The rounds of the stores derived from unit_tracks chunk by chunk (the replay chunks here, the
 * patrol matched store): inserts mark a chunk dirty (a trigger, same transaction); the processors
 * rebuild closed dirty chunks every 15 s, a few per round, each once it is this long past its
 * end (later points dirty it again).
 */
export const TRACK_CHUNK_SWEEP = { everyMs: 15_000, chunks: 24, settleMs: 30_000 } as const;

/**
 * Starts a store's sweeps where they belong: in the processors, and not on PGlite. Embedded, the
 * database is one session (on the event loop, or in its own thread with PGLITE_THREAD) that every
 * 110 call's statements queue for, and rebuilding a 5-minute chunk of a large fleet (millions of
 * points at peak) holds it for seconds; a read there takes what is not built yet from the raw
 * tracks instead. Returns the stop function, or undefined when no sweeps run.
 */
export function startTrackChunkSweeps(
  database: DatabaseService,
  config: AppConfig,
  sweep: () => Promise<unknown>,
  onError: (err: Error) => void,
): (() => void) | undefined {
  if (!config.runProcessors || database.raw.kind === 'pglite') return undefined;
  return repeatWithoutOverlap(TRACK_CHUNK_SWEEP.everyMs, takingTurns(sweep), onError);
}

/** The sweep round under way in this process, of any store (settled either way). */
let turn: Promise<unknown> = Promise.resolve();

/**
 * `sweep` taking its turn with every other store's rounds in this process: one round at a time.
 * A chunk closes for every store at once, and at the peak (25,000 reports a second, ~7.5 M points
 * a chunk) the replay build and the patrol read each held a PostgreSQL backend busy for 20-25 s;
 * side by side they took both cores of a 2-core server, and the 110 calls of that half minute
 * waited seconds. One after the other, one core stays for the calls.
 */
export function takingTurns(sweep: () => Promise<unknown>): () => Promise<unknown> {
  return () => {
    const mine = turn.then(sweep);
    turn = mine.catch(() => undefined);
    return mine;
  };
}
