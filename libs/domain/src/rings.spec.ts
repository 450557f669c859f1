import {
  BUILTIN_SCHEMES,
  findScheme,
  ringMinutes,
  ringTierFor,
  tiersMet,
  type RingScheme,
} from './rings';

const s138 = findScheme('1-3-8') as RingScheme;
const s51030 = findScheme('5-10-30') as RingScheme;

describe('ring schemes', () => {
  it('ships the three plans with ordered tiers', () => {
    expect(BUILTIN_SCHEMES.map((s) => s.id)).toEqual(['1-3-8', '5-10-30', 'seal-10-20']);
    for (const s of BUILTIN_SCHEMES) {
      const secs = s.tiers.map((t) => t.sec);
      expect([...secs].sort((a, b) => a - b)).toEqual(secs);
      expect(s.label.zh.length).toBeGreaterThan(0);
    }
    expect(s138.tiers.map((t) => t.sec)).toEqual([60, 180, 480]);
    expect(s51030.tiers.map((t) => t.sec)).toEqual([300, 600, 1800]);
    expect(findScheme('seal-10-20')?.tiers.map((t) => t.sec)).toEqual([600, 1200]);
  });

  it.each([
    [0, 0],
    [60, 0],
    [61, 1],
    [180, 1],
    [181, 2],
    [480, 2],
    [481, null],
  ])('ETA %i s meets 1-3-8 tier %p', (eta, tier) => {
    expect(ringTierFor(eta, s138)).toBe(tier);
  });

  it.each([
    ['nobody arrived', [], [false, false, false]],
    ['one car in 4 min', [{ unitKind: 'patrol_car', afterSec: 240 }], [true, false, false]],
    ['one car in 6 min', [{ unitKind: 'patrol_car', afterSec: 360 }], [false, false, false]],
    [
      'two cars in 4 and 9 min',
      [
        { unitKind: 'patrol_car', afterSec: 240 },
        { unitKind: 'patrol_car', afterSec: 540 },
      ],
      [true, true, false],
    ],
    [
      'three units within 25 min',
      [
        { unitKind: 'patrol_car', afterSec: 240 },
        { unitKind: 'motorcycle', afterSec: 540 },
        { unitKind: 'foot', afterSec: 1500 },
      ],
      [true, true, true],
    ],
  ] as const)('5-10-30 with %s', (_name, arrivals, expected) => {
    expect(tiersMet(s51030, arrivals)).toEqual(expected);
  });

  it('counts only the unit kinds a 1-3-8 tier names', () => {
    // a patrol car in 50 s does not meet the 1-minute tier, which is for posts and foot units
    expect(tiersMet(s138, [{ unitKind: 'patrol_car', afterSec: 50 }])).toEqual([
      false,
      true,
      false,
    ]);
    expect(tiersMet(s138, [{ unitKind: 'kiosk', afterSec: 50 }])).toEqual([true, false, false]);
  });
});

describe('ringMinutes', () => {
  it("is a scheme's tiers in minutes, as the isochrones route takes them", () => {
    expect(ringMinutes(findScheme('1-3-8')!)).toEqual([1, 3, 8]);
    expect(ringMinutes(findScheme('5-10-30')!)).toEqual([5, 10, 30]);
    // two decimals, ascending and distinct, within (0, 120], six at most
    expect(
      ringMinutes({
        tiers: [90, 30, 30, 0, 7300, 100, 200, 300, 400, 500, 600].map((sec) => ({ sec })),
      } as never),
    ).toEqual([0.5, 1.5, 1.67, 3.33, 5]);
  });
});
