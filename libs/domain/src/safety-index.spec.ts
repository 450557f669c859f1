import {
  componentScore,
  computeSafetyIndex,
  DEFAULT_SAFETY_INDEX_WEIGHTS,
  type SafetyIndexComponent,
} from './safety-index';
import { percentileCont } from './exercises';

const AVAILABLE = new Set<SafetyIndexComponent>(['tiersMet', 'responseP90', 'coverage']);

describe('平安指数', () => {
  it.each([
    ['responseP90', 0, 100],
    ['responseP90', 450, 50],
    ['responseP90', 2000, 0],
    ['tiersMet', 75, 75],
    ['coverage', 120, 100],
  ] as const)('%s %d scores %d', (c, raw, score) => {
    expect(componentScore(c, raw)).toBe(score);
  });

  it('weights the parts with data, ranks (ties share), trends against last week', () => {
    const week = [
      { districtId: 'a', name: 'A', raw: { tiersMet: 50, responseP90: 450 } },
      { districtId: 'b', name: 'B', raw: { tiersMet: 100, responseP90: 0, coverage: 40 } },
      { districtId: 'c', name: 'C', raw: { tiersMet: 50, responseP90: 450 } },
      { districtId: 'd', name: 'D', raw: {} },
    ];
    const before = [{ districtId: 'a', name: 'A', raw: { tiersMet: 100 } }];
    const rows = computeSafetyIndex(week, before, DEFAULT_SAFETY_INDEX_WEIGHTS, AVAILABLE);
    // B: (35×100 + 25×100 + 15×40) / 75 = 88; A, C: (35×50 + 25×50) / 60 = 50
    expect(rows.map((r) => [r.districtId, r.rank, r.score, r.trend])).toEqual([
      ['b', 1, 88, null],
      ['a', 2, 50, -50],
      ['c', 2, 50, null],
      ['d', null, null, null],
    ]);
    // a part not available is never scored, whatever figure it is given
    const withVisibility = computeSafetyIndex(
      [{ districtId: 'a', name: 'A', raw: { tiersMet: 50, visibility: 100 } }],
      [],
      DEFAULT_SAFETY_INDEX_WEIGHTS,
      AVAILABLE,
    );
    expect(withVisibility[0].score).toBe(50);
    expect(withVisibility[0].parts.find((p) => p.component === 'visibility')).toMatchObject({
      raw: null,
      weightUsed: 0,
    });
  });

  it('percentile_cont', () => {
    expect(percentileCont([], 0.9)).toBeNull();
    expect(percentileCont([40, 200], 0.5)).toBe(120);
    expect(percentileCont([200, 40], 0.9)).toBe(184);
    expect(percentileCont([7], 0.9)).toBe(7);
  });
});
