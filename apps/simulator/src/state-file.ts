import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { unitKindSchema } from '@ringcad/contracts';

/**
 * What the simulator must remember across restarts. Terminal tokens are shown once by POST /units,
 * so a simulator that lost them could never drive its units again; the file is therefore written
 * after every unit it creates, and readable by its owner only.
 */
export const simStateSchema = z.object({
  version: z.literal(1),
  seed: z.number().int(),
  seedComplete: z.boolean(),
  /** Ids by name of what seeding created, so an interrupted seeding resumes without duplicates. */
  jurisdictions: z.record(z.string(), z.string()),
  checkpoints: z.record(z.string(), z.string()),
  standbyPoints: z.record(z.string(), z.string()),
  units: z.array(
    z.object({
      id: z.string(),
      callsign: z.string(),
      kind: unitKindSchema,
      token: z.string(),
      /** Index of its home standby point in the demo city. */
      home: z.number().int().min(0),
      /**
       * The fleet plan's callsign this unit stands for, when that callsign was taken by a unit the
       * simulator did not create and it had to use another.
       */
      planned: z.string().optional(),
    }),
  ),
});
export type SimState = z.infer<typeof simStateSchema>;
export type SimUnit = SimState['units'][number];

export function emptyState(seed: number): SimState {
  return {
    version: 1,
    seed,
    seedComplete: false,
    jurisdictions: {},
    checkpoints: {},
    standbyPoints: {},
    units: [],
  };
}

/** The saved state, or null when there is none; a file that does not parse is an error, not a fresh start. */
export function loadState(path: string): SimState | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = simStateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(
      `simulator state file ${path} is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/** Write-then-rename so a crash mid-write never leaves a truncated file (and lost tokens). */
export function saveState(path: string, state: SimState): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}
