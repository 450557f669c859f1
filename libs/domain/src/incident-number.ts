/** The calendar day (YYYYMMDD) of an instant in China Standard Time (UTC+8, no DST). */
export function cstDay(at: Date): string {
  const shifted = new Date(at.getTime() + 8 * 3600_000);
  return shifted.toISOString().slice(0, 10).replace(/-/g, '');
}

/** Readable incident number, e.g. `110-20261121-000123`: hall prefix, CST day, daily sequence. */
export function formatIncidentNumber(at: Date, sequence: number, prefix = '110'): string {
  return `${prefix}-${cstDay(at)}-${String(sequence).padStart(6, '0')}`;
}
