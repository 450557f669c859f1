/** The city's clock: China Standard Time, UTC+8 all year (as the reports' local hour). */
export const CITY_UTC_OFFSET_SEC = 8 * 3600;

const HOUR_MS = 3_600_000;

/**
 * Local hour of the week, 0 = Monday 00:00–01:00 … 167 = Sunday 23:00–24:00 (UTC+8). The epoch
 * fell on a Thursday, hence the 72-hour shift. SQL: `(floor((epoch + 28800) / 3600) + 72) % 168`.
 */
export function hourOfWeek(at: Date): number {
  const localHours = Math.floor((at.getTime() + CITY_UTC_OFFSET_SEC * 1000) / HOUR_MS);
  return (((localHours + 72) % 168) + 168) % 168;
}

/** The distinct hours of the week a shift [start, end) touches, in shift order. */
export function shiftHoursOfWeek(start: Date, end: Date): number[] {
  const hours: number[] = [];
  const first = Math.floor(start.getTime() / HOUR_MS) * HOUR_MS;
  for (let t = first; t < end.getTime() && hours.length < 168; t += HOUR_MS) {
    const h = hourOfWeek(new Date(t));
    if (!hours.includes(h)) hours.push(h);
  }
  return hours;
}
