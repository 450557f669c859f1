import { LINK_PARENT, ROAD_CLASSES, ROAD_CLASS_COUNT, type RoadClass } from './road-class';

/** A peak window in local wall-clock time, e.g. `{ start: '07:00', end: '09:00', factor: 0.6 }`. */
export interface PeakWindow {
  /** Local time "HH:MM" (inclusive). */
  start: string;
  /** Local time "HH:MM" (exclusive); may be earlier than start to wrap past midnight. */
  end: string;
  /** Multiplier on speed inside the window (0 < factor ≤ 1 slows traffic down). */
  factor: number;
  /** Per-class override of `factor` (e.g. a motorway that congests less). */
  classFactors?: Partial<Record<RoadClass, number>>;
}

/** Deployment-configurable car speeds and the peak-hour (早晚高峰) rule. */
export interface SpeedProfile {
  /** Free-flow speed by class in km/h; missing classes use {@link DEFAULT_CLASS_SPEEDS_KMH}. */
  classSpeedsKmh?: Partial<Record<RoadClass, number>>;
  /** Share of the parent class speed for *_link classes without an explicit speed. */
  linkFactor?: number;
  /** Whether a `maxspeed` tag lowers the class speed (default true). */
  maxspeedCaps?: boolean;
  peakWindows?: PeakWindow[];
  /** Offset of local time from UTC in minutes; China is +08:00 = 480. */
  utcOffsetMinutes?: number;
}

/** Urban (Chinese city centre) free-flow defaults, deliberately below posted limits. */
export const DEFAULT_CLASS_SPEEDS_KMH: Readonly<Record<RoadClass, number>> = {
  motorway: 80,
  trunk: 60,
  primary: 45,
  secondary: 35,
  tertiary: 30,
  unclassified: 20,
  residential: 20,
  living_street: 10,
  service: 15,
  motorway_link: 56,
  trunk_link: 42,
  primary_link: 31.5,
  secondary_link: 24.5,
  tertiary_link: 21,
  road: 20,
  track: 10,
};

/** Default peak windows: 07:00-09:00 and 17:00-19:00 at +08:00, speeds × 0.6. */
export const DEFAULT_SPEED_PROFILE: Readonly<SpeedProfile> = Object.freeze({
  linkFactor: 0.7,
  maxspeedCaps: true,
  utcOffsetMinutes: 480,
  peakWindows: [
    { start: '07:00', end: '09:00', factor: 0.6 },
    { start: '17:00', end: '19:00', factor: 0.6 },
  ],
});

/**
 * Free-flow speed per class code for a profile. Links use `linkFactor` × parent only when the
 * profile does not name the link class itself.
 */
export function classSpeedsKmh(profile: SpeedProfile = DEFAULT_SPEED_PROFILE): Float64Array {
  const out = new Float64Array(ROAD_CLASS_COUNT);
  const linkFactor = profile.linkFactor ?? 0.7;
  ROAD_CLASSES.forEach((cls, i) => {
    const explicit = profile.classSpeedsKmh?.[cls];
    const parent = LINK_PARENT[cls];
    if (explicit !== undefined) out[i] = explicit;
    else if (parent)
      out[i] = (profile.classSpeedsKmh?.[parent] ?? DEFAULT_CLASS_SPEEDS_KMH[parent]) * linkFactor;
    else out[i] = DEFAULT_CLASS_SPEEDS_KMH[cls];
    if (!(out[i] > 0))
      throw new RangeError(`speed for road class ${cls} must be > 0 km/h, got ${out[i]}`);
  });
  return out;
}

function parseClock(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm.trim());
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59)
    throw new RangeError(`peak window time must be HH:MM, got "${hhmm}"`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Local minute of day (0..1439) of an instant in the profile's time zone. */
export function localMinuteOfDay(at: Date, utcOffsetMinutes = 480): number {
  const minutes = Math.floor(at.getTime() / 60000) + utcOffsetMinutes;
  return ((minutes % 1440) + 1440) % 1440;
}

/** The peak window active at `at`, or null off-peak (no `at` means off-peak). */
export function activePeakWindow(profile: SpeedProfile, at: Date | undefined): PeakWindow | null {
  if (!at || !profile.peakWindows?.length) return null;
  const minute = localMinuteOfDay(at, profile.utcOffsetMinutes ?? 480);
  for (const w of profile.peakWindows) {
    const s = parseClock(w.start);
    const e = parseClock(w.end);
    const inside = s <= e ? minute >= s && minute < e : minute >= s || minute < e;
    if (inside) return w;
  }
  return null;
}

/**
 * Speed multiplier per class code at instant `at` (all 1 off-peak). Pure: the caller passes the
 * clock. The factor is taken at departure time for the whole trip; trips are minutes long, so a
 * window boundary crossed mid-trip is not worth the cost of time-dependent search.
 */
export function speedMultipliersAt(profile: SpeedProfile, at: Date | undefined): Float64Array {
  const out = new Float64Array(ROAD_CLASS_COUNT).fill(1);
  const w = activePeakWindow(profile, at);
  if (!w) return out;
  ROAD_CLASSES.forEach((cls, i) => {
    const f = w.classFactors?.[cls] ?? w.factor;
    if (!(f > 0)) throw new RangeError(`peak factor must be > 0, got ${f}`);
    out[i] = f;
  });
  return out;
}

/** Peak factor for the common single-factor case (1 off-peak). */
export function peakFactorAt(profile: SpeedProfile, at: Date | undefined): number {
  return activePeakWindow(profile, at)?.factor ?? 1;
}
