import { z } from 'zod';
import { POSITION_STALE_SEC_DEFAULT } from '@ringcad/domain';

const bool = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

/** `w,s,e,n` in WGS84 degrees, or `off` (no area check at all); empty = unset. */
const serviceAreaBbox = z
  .string()
  .optional()
  .transform((s, ctx): [number, number, number, number] | 'off' | undefined => {
    const v = s?.trim();
    if (!v) return undefined;
    if (v === 'off') return 'off';
    const n = v.split(',').map((x) => Number(x.trim()));
    const [w, so, e, no] = n;
    if (
      n.length !== 4 ||
      n.some((x) => !Number.isFinite(x)) ||
      w < -180 ||
      e > 180 ||
      so < -90 ||
      no > 90 ||
      w >= e ||
      so >= no
    ) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be w,s,e,n in degrees with w<e and s<n (or off)',
      });
      return z.NEVER;
    }
    return [w, so, e, no];
  });

/** Environment of api and worker, parsed once at boot: every problem is listed, then we stop. */
export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./.data'),
  /**
   * Embedded mode: PGlite in a worker thread of its own (1, the default: its statements never
   * block the event loop that answers calls) or on the event loop (0).
   */
  PGLITE_THREAD: bool.default(true),
  REDIS_URL: z.string().url().optional(),
  /** Namespace of our keys and channels in Redis (BullMQ prefix, socket.io adapter key). */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('ringcad'),
  ADMIN_PASSWORD: z.string().min(8, 'ADMIN_PASSWORD must have at least 8 characters').optional(),
  ROAD_NETWORK: z.string().optional(),
  DEMO: bool.default(false),
  /** Run the BullMQ processors in this process (always in embedded mode). */
  RUN_PROCESSORS: bool.optional(),
  /** Seconds a unit has to acknowledge (签收) a task, per priority. */
  ACK_TIMEOUT_P1_SEC: z.coerce.number().positive().default(30),
  ACK_TIMEOUT_P2_SEC: z.coerce.number().positive().default(60),
  ACK_TIMEOUT_P3_SEC: z.coerce.number().positive().default(120),
  /**
   * How often pending timers past their deadline (plus a grace) are fired from the database: the
   * safety net when a queue job was lost or the clock moved past a deadline its job waits for.
   */
  TIMER_SWEEP_SEC: z.coerce.number().min(0.05).max(3600).default(15),
  DUPLICATE_RADIUS_M: z.coerce.number().positive().default(300),
  DUPLICATE_WINDOW_MIN: z.coerce.number().positive().default(30),
  POSITION_STALE_SEC: z.coerce.number().positive().default(POSITION_STALE_SEC_DEFAULT),
  /** A report implying more than this speed from the last trusted fix is an impossible jump. */
  MAX_PLAUSIBLE_SPEED_KMH: z.coerce.number().positive().default(250),
  /**
   * Embedded (PGlite) only: how often the processors vacuum the tables whose dead row versions
   * passed autovacuum's thresholds (PGlite runs no autovacuum worker); 0 = never.
   */
  EMBEDDED_VACUUM_SEC: z.coerce.number().min(0).default(60),
  /** How often the processors recompute ring coverage and push `coverage.updated` (0 = never). */
  COVERAGE_PUSH_SEC: z.coerce.number().min(0).default(10),
  /** How often the processors recompute standing-perimeter readiness and push `perimeter.readiness` (0 = never). */
  PERIMETER_PUSH_SEC: z.coerce.number().min(0).default(5),
  /** How often the 平安指数 sampler records 见警率 and perimeter readiness per district (0 = never). */
  INDEX_SAMPLE_SEC: z.coerce.number().min(0).default(900),
  /** Schemes whose coverage is pushed to consoles. */
  COVERAGE_SCHEMES: z.string().default('1-3-8,5-10-30'),
  /**
   * Seconds after the process starts before coverage (defense-level) alerts are raised: units
   * come on duty and report their first positions in the first minute, and a start must not
   * greet every seat with a banner of breaches that are only units not yet signed in.
   */
  COVERAGE_ALERT_GRACE_SEC: z.coerce.number().min(0).max(86_400).default(120),
  /**
   * Where incidents and unit positions may be: this box, or (unset) the loaded road network's box
   * grown by SERVICE_AREA_MARGIN_KM, or anywhere while no network is loaded; `off` = anywhere.
   */
  SERVICE_AREA_BBOX: serviceAreaBbox,
  SERVICE_AREA_MARGIN_KM: z.coerce.number().min(0).max(1000).default(20),
  /** How far ahead of our clock a client's time (receivedAt, a position's at) may be. */
  MAX_CLOCK_SKEW_SEC: z.coerce.number().min(0).max(86_400).default(300),
  /** Oldest receivedAt of a new incident (a call entered late), in hours before now. */
  MAX_PAST_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 366)
    .default(24),
  /** Oldest position report accepted (a terminal emptying its offline buffer), in seconds. */
  MAX_POSITION_AGE_SEC: z.coerce
    .number()
    .positive()
    .max(7 * 86_400)
    .default(3600),
  SESSION_TTL_HOURS: z.coerce.number().positive().default(12),
  /** On-scene check-in (报平安): a unit silent on scene this long is prompted on its terminal. */
  CHECK_IN_SEC: z.coerce.number().positive().default(1200),
  /** Per category, e.g. `criminal=600,traffic=1800` (others: CHECK_IN_SEC). */
  CHECK_IN_SEC_BY_CATEGORY: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const out: Record<string, number> = {};
      for (const part of s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const [k, v] = part.split('=');
        const n = Number(v);
        if (!k || !(n > 0)) {
          ctx.addIssue({ code: 'custom', message: `"${part}" is not category=seconds` });
          return z.NEVER;
        }
        out[k.trim()] = n;
      }
      return out;
    }),
  /** How long a prompted unit has to answer before the desk gets `check_in_overdue`. */
  CHECK_IN_GRACE_SEC: z.coerce.number().positive().default(120),
  /**
   * Express `trust proxy`: which proxies' X-Forwarded-For gives the client address (the login
   * throttle counts per address). Off by default: behind no proxy, believing the header would let
   * anyone pick their own address. A hop count (`1` behind one nginx) or addresses/subnets
   * (`loopback, 10.0.0.0/8`).
   */
  TRUST_PROXY: z
    .string()
    .default('')
    .transform((v): boolean | number | string => {
      const s = v.trim();
      if (s === '' || s === '0' || s === 'false' || s === 'no') return false;
      if (s === 'true' || s === 'yes') return true;
      return /^\d+$/.test(s) ? Number(s) : s;
    }),
  BODY_LIMIT: z.string().default('2mb'),
  LOG_FORMAT: z.enum(['text', 'json']).default('text'),
  INCIDENT_NUMBER_PREFIX: z.string().default('110'),
  /** 封控: the fleeing vehicle drives at free flow × this factor. */
  SEALING_VEHICLE_SPEED_FACTOR: z.coerce.number().min(0.5).max(3).default(1.2),
  /** 封控: at most this many units man checkpoints for one incident (a mass action never sends "all"). */
  SEALING_MAX_UNITS_PER_INCIDENT: z.coerce.number().int().min(1).max(500).default(20),
  /** Agency linkage: JSON map agency ('119' | '120' | '122' | '12345') → webhook URL. */
  AGENCY_WEBHOOKS: z
    .string()
    .default('{}')
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object: {"119": "https://..."}' });
        return z.NEVER;
      }
    })
    .pipe(z.partialRecord(z.enum(['119', '120', '122', '12345']), z.string().url())),
  /** Delivery attempts per agency notification before it is given up (alert agency_undelivered). */
  AGENCY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** First retry delay; each later one doubles (exponential backoff). */
  AGENCY_BACKOFF_MS: z.coerce.number().int().min(10).default(2000),
  AGENCY_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  /**
   * Operations port (Prometheus `/metrics`, `/health/live`, `/health/ready`): a number, or `off`.
   * Unset = the process's own default (api 9464, worker 9465); see `metricsPortOf`.
   */
  METRICS_PORT: z
    .string()
    .optional()
    .transform((v, ctx): number | 'off' | undefined => {
      const s = v?.trim();
      if (!s) return undefined;
      if (s === 'off' || s === '0') return 'off';
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1 || n > 65535) {
        ctx.addIssue({ code: 'custom', message: 'must be a port number (1-65535) or off' });
        return z.NEVER;
      }
      return n;
    }),
  /** Address of the operations port; loopback unless a scraper elsewhere must reach it. */
  METRICS_HOST: z.string().default('127.0.0.1'),
  /** When set, the operations port asks for `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must have at least 16 characters').optional(),
  /** SIGTERM: readiness is false this long before the listener closes (a balancer notices). */
  SHUTDOWN_DELAY_SEC: z.coerce.number().min(0).max(300).default(0),
  /** SIGTERM: the drain gets this long; past it the process exits 1 with what was still open. */
  SHUTDOWN_TIMEOUT_SEC: z.coerce.number().min(1).max(600).default(25),
});

export type RawConfig = z.infer<typeof configSchema>;
export interface AppConfig extends RawConfig {
  mode: 'embedded' | 'services';
  runProcessors: boolean;
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const raw = parsed.data;
  const mode = raw.DATABASE_URL ? 'services' : 'embedded';
  if (mode === 'services' && !raw.REDIS_URL) {
    throw new ConfigError(
      'invalid configuration:\n  REDIS_URL: required when DATABASE_URL is set (services mode)',
    );
  }
  return { ...raw, mode, runProcessors: raw.RUN_PROCESSORS ?? mode === 'embedded' };
}

/** The operations port of a process: METRICS_PORT, else the process's default; null = off. */
export function metricsPortOf(config: AppConfig, fallback: number): number | null {
  if (config.METRICS_PORT === 'off') return null;
  return config.METRICS_PORT ?? fallback;
}
