import type { CreateIncidentRequest, LonLat } from '@ringcad/contracts';
import type { IncidentCategory, Priority } from '@ringcad/domain';
import type { DemoCity, Hotspot } from './demo-city';
import { clampToBox, inBox, offsetM } from './geo';
import { exponential, normal, pick, pickWeighted, randomInt, type Rng } from './random';

/**
 * Relative 110 call volume by hour of the day (CST, 0-23): quiet before dawn, rising through the
 * day, highest in the evening when disputes and nightlife peak. Normalised to a mean of 1 so the
 * configured rate is the daily average.
 */
const RAW_CURVE = [
  0.9, 0.7, 0.5, 0.4, 0.3, 0.3, 0.4, 0.6, 0.9, 1.0, 1.1, 1.1, 1.1, 1.0, 1.0, 1.1, 1.2, 1.3, 1.4,
  1.5, 1.6, 1.6, 1.4, 1.2,
];
const RAW_MEAN = RAW_CURVE.reduce((s, x) => s + x, 0) / RAW_CURVE.length;
export const DAILY_CURVE: readonly number[] = RAW_CURVE.map((x) => x / RAW_MEAN);
export const DAILY_CURVE_MAX = Math.max(...DAILY_CURVE);

/** Hour of the day in China Standard Time (UTC+8, no daylight saving). */
export function cstHour(epochMs: number): number {
  return new Date(epochMs + 8 * 3600_000).getUTCHours();
}

export function callRateMultiplier(epochMs: number): number {
  return DAILY_CURVE[cstHour(epochMs)];
}

/**
 * The next arrival of a Poisson stream whose rate is `ratePerHour × multiplier(t)`, after
 * `fromMs` (thinning: candidates at the peak rate, each kept with probability multiplier/peak).
 */
export function nextArrivalMs(
  rng: Rng,
  fromMs: number,
  ratePerHour: number,
  multiplier: (epochMs: number) => number = callRateMultiplier,
  maxMultiplier = DAILY_CURVE_MAX,
): number {
  if (!(ratePerHour > 0)) return Number.POSITIVE_INFINITY;
  const peakPerMs = (ratePerHour * maxMultiplier) / 3600_000;
  let t = fromMs;
  for (;;) {
    t += exponential(rng, peakPerMs);
    if (rng.next() * maxMultiplier < multiplier(t)) return t;
  }
}

/** A call location: a hotspot picked by weight, then a normal spread around it, kept inside the city. */
export function sampleCallLocation(
  rng: Rng,
  city: DemoCity,
): { hotspot: Hotspot; location: LonLat } {
  const hotspot = pickWeighted(rng, city.hotspots, (h) => h.weight);
  const p = offsetM(hotspot.location, normal(rng) * hotspot.sigmaM, normal(rng) * hotspot.sigmaM);
  return { hotspot, location: clampToBox(p, city.box) };
}

const CATEGORY_WEIGHTS: readonly [IncidentCategory, number][] = [
  ['dispute', 25],
  ['public_order', 20],
  ['traffic', 18],
  ['assistance', 15],
  ['criminal', 12],
  ['other', 6],
  ['fire', 2],
  ['mass_incident', 2],
];

const PRIORITY_WEIGHTS: readonly [Priority, number][] = [
  [1, 10],
  [2, 40],
  [3, 50],
];

const DESCRIPTIONS: Record<IncidentCategory, readonly string[]> = {
  criminal: [
    '报警人称手机被抢，嫌疑人步行往北逃离',
    '商铺被盗，门锁被撬',
    '有人持刀威胁，情绪激动',
  ],
  public_order: ['有人在街头打架，约三四人', '酒后滋事，砸坏店内物品', '噪音扰民，多次劝说无效'],
  traffic: ['两车追尾，无人员受伤，占用车道', '电动车与行人相撞，一人受伤', '车辆违停堵塞消防通道'],
  fire: ['楼道内冒烟，疑似电动车起火', '路边垃圾桶着火'],
  assistance: ['老人走失，身穿灰色外套', '小孩被反锁在车内', '有人晕倒在路边，需要帮助'],
  dispute: ['邻里纠纷，双方争吵', '顾客与商家发生消费纠纷', '家庭纠纷，报警人情绪激动'],
  mass_incident: ['二十余人聚集在门口讨要工资'],
  other: ['发现可疑包裹', '报警人称听到异常声响'],
  // raised by a unit's emergency button, never generated as a call
  officer_in_danger: [],
};

export type GeneratedCall = CreateIncidentRequest & {
  location: LonLat;
  priority: Priority;
  category: IncidentCategory;
};

/** A plausible call near `location`: category, priority, address text, caller number and a short story. */
export function generateCall(
  rng: Rng,
  city: DemoCity,
  hotspot: Hotspot,
  location: LonLat,
): GeneratedCall {
  const category = pickWeighted(rng, CATEGORY_WEIGHTS, ([, w]) => w)[0];
  const priority = pickWeighted(rng, PRIORITY_WEIGHTS, ([, w]) => w)[0];
  const district = city.districts.find((d) => inBox(location, d.box))?.name ?? '';
  const address = `${district}${pick(rng, city.streets)}${randomInt(rng, 1, 399)}号（${hotspot.name}附近）`;
  let digits = '';
  for (let i = 0; i < 8; i++) digits += String(randomInt(rng, 0, 9));
  const callerNumber = `1${pick(rng, ['38', '39', '58', '36', '77', '86', '88'])}${digits}`;
  return {
    location,
    category,
    priority,
    address,
    callerNumber,
    description: pick(rng, DESCRIPTIONS[category]),
  };
}
