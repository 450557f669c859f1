import { readFileSync } from 'node:fs';
import { z } from 'zod';

const bool = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const password = z.string().min(8, 'at least 8 characters');

/** Environment of the simulator process, parsed once at boot. */
export const simulatorEnvSchema = z.object({
  API_URL: z.string().url().default('http://127.0.0.1:3000'),
  ADMIN_PASSWORD: z.string({ error: 'required' }).min(1, 'required'),
  SIM_PASSWORDS_FILE: z.string().optional(),
  CALLTAKER_PASSWORD: password.optional(),
  DISPATCHER_PASSWORD: password.optional(),
  COMMANDER_PASSWORD: password.optional(),
  SIM_STATE_FILE: z.string().min(1).default('./.data/simulator-state.json'),
  SIM_UNITS: z.coerce.number().int().min(0).max(10_000).default(40),
  SIM_SPEED: z.coerce.number().positive().max(1000).default(1),
  SIM_CALLS_PER_HOUR: z.coerce.number().min(0).max(100_000).default(40),
  /** Off by default: a training simulator never dispatches for the dispatcher unless asked. */
  SIM_AUTODISPATCH: bool.default(false),
  /** Seed of the demo city (and the simulation): keep it at the api's DEMO_CITY_SEED, 110. */
  SIM_SEED: z.coerce.number().int().default(110),
  SIM_POSITION_INTERVAL_MS: z.coerce.number().int().min(100).optional(),
});

const passwordsFileSchema = z.object({
  calltaker: password,
  dispatcher: password,
  commander: password,
});

export interface SimulatorConfig {
  apiUrl: string;
  adminPassword: string;
  passwords: { calltaker: string; dispatcher: string; commander: string };
  stateFile: string;
  units: number;
  speed: number;
  callsPerHour: number;
  autoDispatch: boolean;
  seed: number;
  positionIntervalMs?: number;
}

export class SimulatorConfigError extends Error {}

/** Every problem in the environment at once, then stop: a half-configured demo helps nobody. */
export function loadSimulatorConfig(
  env: Record<string, string | undefined> = process.env,
): SimulatorConfig {
  const problems: string[] = [];
  // empty variables count as unset, as shells and compose files often leave them empty
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = simulatorEnvSchema.safeParse(cleaned);
  if (!parsed.success)
    problems.push(...parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));

  let passwords: Partial<SimulatorConfig['passwords']> = {};
  const file = cleaned.SIM_PASSWORDS_FILE;
  if (file) {
    try {
      const fromFile = passwordsFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (fromFile.success) passwords = fromFile.data;
      else
        problems.push(
          ...fromFile.error.issues.map(
            (i) => `SIM_PASSWORDS_FILE ${i.path.join('.')}: ${i.message}`,
          ),
        );
    } catch (err) {
      problems.push(`SIM_PASSWORDS_FILE: cannot read ${file}: ${(err as Error).message}`);
    }
  } else {
    passwords = {
      calltaker: cleaned.CALLTAKER_PASSWORD,
      dispatcher: cleaned.DISPATCHER_PASSWORD,
      commander: cleaned.COMMANDER_PASSWORD,
    };
    for (const role of ['calltaker', 'dispatcher', 'commander'] as const) {
      // a password that is there but too short is already reported by the schema
      if (!passwords[role])
        problems.push(`${role.toUpperCase()}_PASSWORD: required (or set SIM_PASSWORDS_FILE)`);
    }
  }
  if (problems.length || !parsed.success) {
    throw new SimulatorConfigError(
      `invalid simulator configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
  }
  const e = parsed.data;
  return {
    apiUrl: e.API_URL.replace(/\/+$/, ''),
    adminPassword: e.ADMIN_PASSWORD,
    passwords: passwords as SimulatorConfig['passwords'],
    stateFile: e.SIM_STATE_FILE,
    units: e.SIM_UNITS,
    speed: e.SIM_SPEED,
    callsPerHour: e.SIM_CALLS_PER_HOUR,
    autoDispatch: e.SIM_AUTODISPATCH,
    seed: e.SIM_SEED,
    positionIntervalMs: e.SIM_POSITION_INTERVAL_MS,
  };
}
