import { hourOfWeek, shiftHoursOfWeek } from './hour-of-week';

describe('hourOfWeek (UTC+8, Monday 00:00 = 0)', () => {
  it.each<[string, number]>([
    ['2026-11-30T00:00:00+08:00', 0], // a Monday
    ['2026-11-29T16:30:00Z', 0], // the same hour in UTC
    ['2026-12-01T09:59:59+08:00', 24 + 9],
    ['2026-12-06T23:00:00+08:00', 167], // Sunday night
    ['1970-01-01T00:00:00+08:00', 72], // the epoch's Thursday
  ])('%s → %i', (iso, h) => expect(hourOfWeek(new Date(iso))).toBe(h));

  it('lists the hours a shift touches, across the week’s end', () => {
    expect(
      shiftHoursOfWeek(
        new Date('2026-12-06T22:30:00+08:00'),
        new Date('2026-12-07T01:00:00+08:00'),
      ),
    ).toEqual([166, 167, 0]);
    expect(
      shiftHoursOfWeek(
        new Date('2026-12-01T08:00:00+08:00'),
        new Date('2026-12-01T08:00:01+08:00'),
      ),
    ).toEqual([32]);
  });
});
