// Scales of the reports' daily trend, as pure functions: the axis shows the days asked for (one
// tick a day, half a day of margin, so one day of data is a point in the middle, not a needle
// over hours), and the seconds axis runs from 0 to a round minute mark just above the data.

const DAY_SEC = 86_400;

/** Epoch seconds of a `YYYY-MM-DD` day's midnight in China Standard Time (the reports' days). */
export function cstMidnightSec(day: string): number {
  return Date.parse(`${day}T00:00:00+08:00`) / 1000;
}

/** The x scale of a daily trend from `fromDay` to `toDay` (inclusive): range and one split a day. */
export function dayScale(
  fromDay: string,
  toDay: string,
): { range: [number, number]; splits: number[] } {
  const first = cstMidnightSec(fromDay);
  const last = Math.max(first, cstMidnightSec(toDay));
  const splits: number[] = [];
  for (let d = first; d <= last; d += DAY_SEC) splits.push(d);
  return { range: [first - DAY_SEC / 2, last + DAY_SEC / 2], splits };
}

/** Round steps for a seconds axis: 1, 2, 5, 10, 15, 30 min, 1 h, 2 h. */
const STEPS = [60, 120, 300, 600, 900, 1800, 3600, 7200];

/** The y scale of seconds: from 0 to the smallest round mark with headroom above the largest value. */
export function secondsRange(values: readonly (number | null | undefined)[]): [number, number] {
  const max = Math.max(
    0,
    ...values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)),
  );
  if (max === 0) return [0, 60];
  const want = max * 1.1;
  // a step that gives at most 6 ticks
  const step = STEPS.find((s) => want / s <= 6) ?? Math.ceil(want / 6 / 3600) * 3600;
  return [0, Math.ceil(want / step) * step];
}

/** `MM-DD` of a day's CST midnight (the trend's tick labels). */
export function dayLabel(epochSec: number): string {
  return new Date((epochSec + 8 * 3600) * 1000).toISOString().slice(5, 10);
}
