import type { Priority } from './categories';
import type { UnitKind } from './units';

export interface Label {
  zh: string;
  en: string;
}

/** One tier of a ring scheme: a time target from dispatch, optionally for certain unit kinds. */
export interface RingTier {
  sec: number;
  label: Label;
  /** Only arrivals of these kinds count toward the tier (any kind when absent). */
  unitKinds?: UnitKind[];
  /** How many units must be on scene within `sec` for the tier to be met (default 1). */
  count?: number;
  meaning?: Label;
}

export interface RingScheme {
  id: string;
  label: Label;
  tiers: RingTier[];
}

export const BUILTIN_SCHEMES: readonly RingScheme[] = [
  {
    id: '1-3-8',
    label: { zh: '1、3、8分钟处置圈', en: '1/3/8-minute response rings' },
    tiers: [
      {
        sec: 60,
        label: { zh: '1分钟', en: '1 min' },
        unitKinds: ['foot', 'kiosk'],
        count: 1,
        meaning: { zh: '岗亭/步巡警力到场', en: 'post or foot unit on scene' },
      },
      {
        sec: 180,
        label: { zh: '3分钟', en: '3 min' },
        unitKinds: ['patrol_car', 'motorcycle', 'station_car', 'traffic', 'swat'],
        count: 1,
        meaning: { zh: '巡逻车到场', en: 'patrol car on scene' },
      },
      {
        sec: 480,
        label: { zh: '8分钟', en: '8 min' },
        count: 2,
        meaning: { zh: '增援警力到场', en: 'reinforcement on scene' },
      },
    ],
  },
  {
    id: '5-10-30',
    label: { zh: '5分钟现场处置、10分钟增援、半小时包围圈', en: '5/10/30-minute response' },
    tiers: [
      {
        sec: 300,
        label: { zh: '5分钟', en: '5 min' },
        count: 1,
        meaning: { zh: '首支警力到场处置', en: 'first unit on scene' },
      },
      {
        sec: 600,
        label: { zh: '10分钟', en: '10 min' },
        count: 2,
        meaning: { zh: '增援到达', en: 'reinforcement on scene' },
      },
      {
        sec: 1800,
        label: { zh: '30分钟', en: '30 min' },
        count: 3,
        meaning: { zh: '包围圈形成', en: 'encirclement in place' },
      },
    ],
  },
  {
    id: 'seal-10-20',
    label: { zh: '10、20分钟封控圈', en: '10/20-minute sealing rings' },
    tiers: [
      {
        sec: 600,
        label: { zh: '10分钟', en: '10 min' },
        meaning: { zh: '内圈卡点到位', en: 'inner ring of checkpoints manned' },
      },
      {
        sec: 1200,
        label: { zh: '20分钟', en: '20 min' },
        meaning: { zh: '外圈卡点到位', en: 'outer ring of checkpoints manned' },
      },
    ],
  },
];

export function findScheme(
  id: string,
  schemes: readonly RingScheme[] = BUILTIN_SCHEMES,
): RingScheme | undefined {
  return schemes.find((s) => s.id === id);
}

/** Which scheme an incident is held to when nothing more specific (plan, jurisdiction) says. */
export const DEFAULT_SCHEME_BY_PRIORITY: Record<Priority, string> = {
  1: '5-10-30',
  2: '1-3-8',
  3: '1-3-8',
};

/** Index of the first tier whose time `etaSec` meets, or null when it meets none. */
export function ringTierFor(etaSec: number, scheme: RingScheme): number | null {
  for (let i = 0; i < scheme.tiers.length; i++) {
    if (etaSec <= scheme.tiers[i].sec) return i;
  }
  return null;
}

/**
 * The rings a dispatcher's map draws around an incident of `scheme` (`GET /isochrones`' minutes):
 * its tiers in minutes (two decimals) within (0, 120], at most six, ascending and distinct, the
 * form the route's query takes them in. The api draws these as an incident is created, so the
 * console that opens it asks for a set already drawn.
 */
export function ringMinutes(scheme: Pick<RingScheme, 'tiers'>): number[] {
  const minutes = scheme.tiers
    .map((tier) => Math.round((tier.sec / 60) * 100) / 100)
    .filter((m) => m > 0 && m <= 120)
    .slice(0, 6);
  return [...new Set(minutes)].sort((a, b) => a - b);
}

export interface Arrival {
  unitKind: UnitKind;
  /** Seconds from the first dispatch to this unit's arrival. */
  afterSec: number;
}

/** Whether each tier was met by the arrivals seen so far. */
export function tiersMet(scheme: RingScheme, arrivals: readonly Arrival[]): boolean[] {
  return scheme.tiers.map((tier) => {
    const needed = tier.count ?? 1;
    const counted = arrivals.filter(
      (a) => a.afterSec <= tier.sec && (!tier.unitKinds || tier.unitKinds.includes(a.unitKind)),
    ).length;
    return counted >= needed;
  });
}
