import { haversineM } from '@ringcad/domain';
import {
  callRateMultiplier,
  cstHour,
  DAILY_CURVE,
  generateCall,
  nextArrivalMs,
  sampleCallLocation,
} from './calls';
import { demoCity } from './demo-city';
import { inBox } from './geo';
import { createRng } from './random';

const HOUR = 3600_000;

describe('Poisson call arrivals', () => {
  it.each([
    { ratePerHour: 40, hours: 500 },
    { ratePerHour: 2, hours: 5000 },
    { ratePerHour: 1200, hours: 20 },
  ])('a flat stream at $ratePerHour/h averages its rate', ({ ratePerHour, hours }) => {
    const rng = createRng(7);
    const end = hours * HOUR;
    const gaps: number[] = [];
    let t = 0;
    for (;;) {
      const next = nextArrivalMs(rng, t, ratePerHour, () => 1, 1);
      if (next > end) break;
      gaps.push(next - t);
      t = next;
    }
    const expected = ratePerHour * hours;
    // a Poisson count has sd √n: stay within 4 sd
    expect(Math.abs(gaps.length - expected)).toBeLessThan(4 * Math.sqrt(expected));
    // exponential gaps: the coefficient of variation is 1
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length);
    expect(sd / mean).toBeGreaterThan(0.9);
    expect(sd / mean).toBeLessThan(1.1);
  });

  it('follows the daily curve: the evening peak gets several times the pre-dawn calls, the day averages the rate', () => {
    const rng = createRng(110);
    const days = 60;
    const perHour = new Array<number>(24).fill(0);
    const start = Date.UTC(2026, 0, 1) - 8 * HOUR; // midnight CST
    let t = start;
    let n = 0;
    for (;;) {
      t = nextArrivalMs(rng, t, 40);
      if (t > start + days * 24 * HOUR) break;
      perHour[cstHour(t)]++;
      n++;
    }
    const expected = 40 * 24 * days;
    expect(Math.abs(n - expected)).toBeLessThan(4 * Math.sqrt(expected));
    expect(perHour[20] / perHour[4]).toBeGreaterThan(3);
    for (let h = 0; h < 24; h++) {
      const want = 40 * days * DAILY_CURVE[h];
      expect(Math.abs(perHour[h] - want)).toBeLessThan(5 * Math.sqrt(want));
    }
  });

  it('is reproducible from its seed and silent at rate 0', () => {
    const a = createRng(3);
    const b = createRng(3);
    expect(nextArrivalMs(a, 0, 40)).toBe(nextArrivalMs(b, 0, 40));
    expect(nextArrivalMs(createRng(3), 0, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('reads the hour in China Standard Time', () => {
    expect(cstHour(Date.parse('2026-11-21T12:30:00Z'))).toBe(20);
    expect(cstHour(Date.parse('2026-11-21T16:00:00Z'))).toBe(0);
    expect(callRateMultiplier(Date.parse('2026-11-21T12:30:00Z'))).toBe(DAILY_CURVE[20]);
  });
});

describe('hotspot sampling', () => {
  const city = demoCity(110);

  it('draws calls from the hotspots in proportion to their weights, near them and inside the city', () => {
    const rng = createRng(11);
    const n = 20_000;
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const { hotspot, location } = sampleCallLocation(rng, city);
      counts.set(hotspot.name, (counts.get(hotspot.name) ?? 0) + 1);
      expect(inBox(location, city.box)).toBe(true);
      expect(haversineM(location, hotspot.location)).toBeLessThan(hotspot.sigmaM * 6);
    }
    const total = city.hotspots.reduce((s, h) => s + h.weight, 0);
    for (const h of city.hotspots) {
      const p = h.weight / total;
      const sd = Math.sqrt(n * p * (1 - p));
      expect(Math.abs((counts.get(h.name) ?? 0) - n * p)).toBeLessThan(4 * sd);
    }
  });

  it('spreads calls around a hotspot with about its sigma', () => {
    const rng = createRng(5);
    const one = { ...city, hotspots: [city.hotspots[0]] };
    const d = Array.from({ length: 5000 }, () =>
      haversineM(sampleCallLocation(rng, one).location, one.hotspots[0].location),
    );
    // distance from the centre of a 2-D normal is Rayleigh: median σ·√(2 ln 2)
    const median = d.sort((x, y) => x - y)[2500];
    expect(median / one.hotspots[0].sigmaM).toBeGreaterThan(1.1);
    expect(median / one.hotspots[0].sigmaM).toBeLessThan(1.25);
  });

  it('makes plausible calls: P1 about 10 %, a caller number, an address in the district', () => {
    const rng = createRng(9);
    const n = 5000;
    let p1 = 0;
    for (let i = 0; i < n; i++) {
      const { hotspot, location } = sampleCallLocation(rng, city);
      const call = generateCall(rng, city, hotspot, location);
      if (call.priority === 1) p1++;
      expect(call.callerNumber).toMatch(/^1[3-9]\d{9}$/);
      expect(call.address).toContain(hotspot.name);
      expect(call.description).toBeTruthy();
    }
    expect(p1 / n).toBeGreaterThan(0.08);
    expect(p1 / n).toBeLessThan(0.12);
  });
});
