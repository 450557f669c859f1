import { cityBox, demoCity, fleetCounts, planFleet } from './demo-city';
import { inBox } from './geo';

describe('the demo city', () => {
  it('is the same city for the same seed', () => {
    expect(demoCity(110)).toEqual(demoCity(110));
    expect(demoCity(110).standbyPoints).not.toEqual(demoCity(111).standbyPoints);
  });

  it('tiles its box with three districts of two stations each, checkpoints on the edges, posts inside', () => {
    const city = demoCity(110);
    const box = cityBox();
    const area = (b: typeof box) => (b.east - b.west) * (b.north - b.south);
    expect(city.districts).toHaveLength(3);
    expect(city.districts.reduce((s, d) => s + area(d.box), 0)).toBeCloseTo(area(box), 10);
    for (const d of city.districts) {
      expect(d.stations).toHaveLength(2);
      expect(d.stations.reduce((s, st) => s + area(st.box), 0)).toBeCloseTo(area(d.box), 10);
    }
    expect(city.checkpoints.length).toBeGreaterThanOrEqual(8);
    for (const c of city.checkpoints) {
      const onEdge =
        [box.west, box.east].includes(c.location.lon) ||
        [box.south, box.north].includes(c.location.lat);
      expect(onEdge).toBe(true);
    }
    expect(city.standbyPoints).toHaveLength(12);
    for (const p of city.standbyPoints) expect(inBox(p.location, box)).toBe(true);
    expect(new Set(city.standbyPoints.map((p) => p.name)).size).toBe(12);
  });

  it.each([40, 6, 7, 1])(
    'makes a fleet of %i with the 60/15/15/10 mix and unique callsigns',
    (n) => {
      const counts = fleetCounts(n);
      expect([...counts.values()].reduce((s, c) => s + c, 0)).toBe(n);
      if (n === 40)
        expect(Object.fromEntries(counts)).toEqual({
          patrol_car: 24,
          motorcycle: 6,
          foot: 6,
          kiosk: 4,
        });
      const city = demoCity(110);
      const fleet = planFleet(city, n);
      expect(fleet).toHaveLength(n);
      expect(new Set(fleet.map((u) => u.callsign)).size).toBe(n);
      for (const u of fleet.filter((f) => f.kind === 'kiosk'))
        expect(city.standbyPoints[u.home].name).toMatch(/治安岗亭$/);
      expect(fleet[0].callsign).toBe('川A-巡01');
    },
  );
});
