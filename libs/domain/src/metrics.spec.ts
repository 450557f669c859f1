import { computeIncidentMetrics } from './metrics';
import { findScheme, type RingScheme } from './rings';
import { cstDay, formatIncidentNumber } from './incident-number';
import { maskPhone, seesCallerNumber } from './privacy';
import { haversineM, straightLineEtaSec } from './units';

const t = (sec: number) => new Date(Date.UTC(2026, 10, 21, 2, 0, 0) + sec * 1000);

describe('incident metrics', () => {
  it('measures each stage from the first dispatch', () => {
    const m = computeIncidentMetrics(
      {
        receivedAt: t(-40),
        createdAt: t(-30),
        assignments: [
          {
            unitKind: 'patrol_car',
            assignedAt: t(0),
            ackedAt: t(12),
            departedAt: t(20),
            arrivedAt: t(250),
            clearedAt: t(1200),
          },
          {
            unitKind: 'motorcycle',
            assignedAt: t(5),
            ackedAt: t(9),
            departedAt: t(15),
            arrivedAt: t(700),
            clearedAt: t(1300),
          },
        ],
      },
      findScheme('5-10-30') as RingScheme,
    );
    expect(m).toEqual({
      answerSec: 10,
      dispatchSec: 30,
      ackSec: 9,
      departSec: 15,
      firstArriveSec: 250,
      clearSec: 1300,
      tiersMet: [true, false, false],
    });
  });

  it('leaves undispatched stages null', () => {
    const m = computeIncidentMetrics(
      { receivedAt: t(0), createdAt: t(20), assignments: [] },
      findScheme('1-3-8') as RingScheme,
    );
    expect(m).toMatchObject({
      answerSec: 20,
      dispatchSec: null,
      ackSec: null,
      firstArriveSec: null,
      tiersMet: [false, false, false],
    });
  });
});

describe('incident numbers', () => {
  it.each([
    ['2026-11-21T02:00:00Z', 123, '110-20261121-000123'],
    ['2026-11-21T16:30:00Z', 1, '110-20261122-000001'], // 00:30 next day in Beijing
    ['2026-12-31T15:59:59Z', 999999, '110-20261231-999999'],
  ])('%s #%i → %s', (iso, n, expected) => {
    expect(formatIncidentNumber(new Date(iso), n)).toBe(expected);
    expect(expected).toContain(cstDay(new Date(iso)));
  });
});

describe('caller number privacy', () => {
  it.each([
    ['13812345678', '138****5678'],
    ['02812345678', '028****5678'],
    ['110', '***'],
    ['123456', '**3456'],
    [null, null],
  ])('%p → %p', (input, masked) => {
    expect(maskPhone(input)).toBe(masked);
  });
  it('shows full numbers only to roles that act on them', () => {
    expect(seesCallerNumber(['calltaker'])).toBe(true);
    expect(seesCallerNumber(['dispatcher'])).toBe(true);
    expect(seesCallerNumber(['commander'])).toBe(false);
  });
});

describe('straight-line ETA', () => {
  it('uses the detour factor and the speed of the unit kind', () => {
    // 1 km at 30 km/h with detour 1.3 = 156 s; on foot (5 km/h) = 936 s
    expect(straightLineEtaSec(1000, 'patrol_car')).toBe(156);
    expect(straightLineEtaSec(1000, 'foot')).toBe(936);
  });
  it('measures great-circle distances', () => {
    // 0.01 degree of latitude ≈ 1112 m
    expect(haversineM({ lon: 104, lat: 30 }, { lon: 104, lat: 30.01 })).toBeCloseTo(1111.95, 0);
  });
});
