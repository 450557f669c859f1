import * as fs from 'node:fs';
import * as path from 'node:path';
import { area, booleanPointInPolygon, booleanValid } from '@turf/turf';
import { at, smallNetwork } from './__fixtures__/small-network';
import { importGeoJsonRoads } from './geojson-import';
import {
  isochrones,
  traceMask,
  type IsochroneCollection,
  type IsochroneFeature,
} from './isochrone';
import { contourRing } from './raster';
import { buildRoadGraph } from './road-graph';

const graph = buildRoadGraph(importGeoJsonRoads(smallNetwork()));
const GOLDEN_DIR = path.join(__dirname, '__golden__');

function inside(f: IsochroneFeature, x: number, y: number): boolean {
  const p = at(x, y);
  return booleanPointInPolygon([p.lon, p.lat], f as Parameters<typeof booleanPointInPolygon>[1]);
}

function tier(fc: IsochroneCollection, minutes: number): IsochroneFeature {
  return fc.features.find((f) => f.properties.minutes === minutes)!;
}

describe('isochrones on the small town', () => {
  const fromSouthBank = isochrones(graph, at(0, 400), [1, 3, 5], { direction: 'from' });

  it.each<[number, number, number, boolean, string]>([
    // [minutes, x, y, inside?, why]
    [1, 0, 400, true, 'the origin'],
    [1, 300, 400, true, '300 m east along the street: 54 s'],
    [1, 500, 400, false, '500 m east: 90 s'],
    [3, 900, 400, true, '900 m east: 162 s'],
    [3, 0, 600, false, 'across the river, 200 m away but 396 s by road'],
    [5, 0, 600, false, 'still not after 5 minutes'],
    [5, 200, 600, false, 'north bank west of the reach'],
    [5, 800, 600, true, 'north bank near the bridge: 216 s + 36 s'],
    [5, 0, 500, false, 'the river itself beside the footbridge'],
    [5, 500, 500, false, 'the river between the banks'],
  ])('%d-min ring: (%d, %d) inside = %p (%s)', (minutes, x, y, expected) => {
    expect(inside(tier(fromSouthBank, minutes), x, y)).toBe(expected);
  });

  it('respects one-way streets: "from" and "to" rings differ', () => {
    const from = isochrones(graph, at(0, 200), [1], { direction: 'from' });
    const to = isochrones(graph, at(0, 200), [1], { direction: 'to' });
    // Eastbound one-way: the origin gets 500 m east in a minute, but nobody there can come back.
    expect(inside(from.features[0], 400, 200)).toBe(true);
    expect(inside(to.features[0], 400, 200)).toBe(false);
  });

  it('peak hours shrink the rings', () => {
    const offPeak = isochrones(graph, at(500, 400), [3], { at: new Date('2026-11-21T04:00:00Z') });
    const peak = isochrones(graph, at(500, 400), [3], { at: new Date('2026-11-21T00:30:00Z') });
    expect(area(peak.features[0] as Parameters<typeof area>[0])).toBeLessThan(
      0.8 * area(offPeak.features[0] as Parameters<typeof area>[0]),
    );
  });

  it('produces valid, nested, ascending polygons', () => {
    const fc = isochrones(graph, at(500, 800), [8, 1, 3]);
    expect(fc.features.map((f) => f.properties.minutes)).toEqual([1, 3, 8]);
    let previous = 0;
    for (const f of fc.features) {
      expect(booleanValid(f as Parameters<typeof booleanValid>[0])).toBe(true);
      const a = area(f as Parameters<typeof area>[0]);
      expect(a).toBeGreaterThan(previous);
      previous = a;
    }
  });

  it('falls back to labelled straight-line circles for an unsnappable origin', () => {
    const fc = isochrones(graph, at(500, 9000), [1, 3]);
    expect(fc.features.map((f) => f.properties.method)).toEqual(['straight', 'straight']);
    // 1 minute at 30 km/h with a 1.3 detour factor: radius 384.6 m.
    const r = (60 * (30 / 3.6)) / 1.3;
    // A 64-gon covers 99.84 % of its circle.
    expect(area(fc.features[0] as Parameters<typeof area>[0]) / (Math.PI * r * r)).toBeCloseTo(
      0.998,
      2,
    );
  });

  it.each([
    ['small-town-to.geojson', at(500, 400), 'to'],
    ['small-town-from.geojson', at(500, 400), 'from'],
    ['small-town-north-from.geojson', at(300, 1000), 'from'],
  ] as const)(
    'matches the golden file %s (UPDATE_GOLDEN=1 rewrites it)',
    (file, origin, direction) => {
      const fc = isochrones(graph, origin, [1, 3, 5], { direction });
      const p = path.join(GOLDEN_DIR, file);
      if (process.env.UPDATE_GOLDEN === '1') {
        fs.mkdirSync(GOLDEN_DIR, { recursive: true });
        fs.writeFileSync(p, `${JSON.stringify(fc)}\n`);
      }
      expect(fc).toEqual(JSON.parse(fs.readFileSync(p, 'utf8')));
    },
  );
});

describe('traceMask', () => {
  const grid = (rows: string[]): [Uint8Array, number, number] => {
    // Rows are written top (high y) to bottom; '#' is filled.
    const H = rows.length;
    const W = rows[0].length;
    const m = new Uint8Array(W * H);
    rows.forEach((row, r) =>
      [...row].forEach((ch, x) => (m[(H - 1 - r) * W + x] = ch === '#' ? 1 : 0)),
    );
    return [m, W, H];
  };
  const signedArea = (ring: [number, number][]): number => {
    let a = 0;
    for (let i = 1; i < ring.length; i++)
      a += ring[i - 1][0] * ring[i][1] - ring[i][0] * ring[i - 1][1];
    return a / 2;
  };

  it.each([
    ['one cell', ['#'], [[1, 0]]],
    ['a ring with a hole', ['###', '#.#', '###'], [[9, -1]]],
    [
      'two cells touching diagonally stay apart',
      ['#.', '.#'],
      [
        [1, 0],
        [1, 0],
      ],
    ],
    [
      'an island inside a hole',
      ['#####', '#...#', '#.#.#', '#...#', '#####'],
      [
        [25, -9],
        [1, 0],
      ],
    ],
  ])('%s', (_name, rows, expected) => {
    const polys = traceMask(...grid(rows));
    // [outer area, total hole area] per polygon; outer CCW (+), holes CW (−).
    const got = polys.map((poly) => [
      signedArea(poly[0]),
      poly.slice(1).reduce((s, h) => s + signedArea(h), 0),
    ]);
    expect(got).toEqual(expected);
    for (const poly of polys)
      for (const ring of poly) expect(ring[0]).toEqual(ring[ring.length - 1]);
  });
});

describe('contourRing (marching squares with interpolation on a traced ring)', () => {
  const signedArea = (ring: [number, number][]): number => {
    let a = 0;
    for (let i = 1; i < ring.length; i++)
      a += ring[i - 1][0] * ring[i][1] - ring[i][0] * ring[i - 1][1];
    return a / 2;
  };

  it('cuts a lone cell with nothing known around it to the diamond through its edge middles', () => {
    const [ring] = traceMask(new Uint8Array([1]), 1, 1)[0];
    const c = contourRing(ring, (i, j) => (i === 0 && j === 0 ? 10 : Infinity), 60);
    expect(c).toHaveLength(5);
    expect(c.slice(0, 4)).toEqual(
      expect.arrayContaining([
        [0.5, 0],
        [1, 0.5],
        [0.5, 1],
        [0, 0.5],
      ]),
    );
    expect(signedArea(c)).toBeCloseTo(0.5, 9); // counter-clockwise kept
  });

  it.each([
    // cell times along a row [0, 60, 120, 180] s: where does the 75 s (90 s, 150 s) edge fall?
    [75, 1.75],
    [90, 2.0],
    [150, 3.0],
  ])('puts the %d s edge of a row of cell times at x = %d (linear interpolation)', (level, x) => {
    const times = [0, 60, 120, 180];
    const mask = new Uint8Array(times.map((t) => (t <= level ? 1 : 0)));
    const [ring] = traceMask(mask, 4, 1)[0];
    const c = contourRing(
      ring,
      (i, j) => (j === 0 && i >= 0 && i < 4 ? times[i] : Infinity),
      level,
    );
    // centre of the last inside cell + f between it and the next centre
    expect(Math.max(...c.map(([cx]) => cx))).toBeCloseTo(x, 9);
  });

  it('follows a diagonal street instead of a staircase', () => {
    // a 45° band of cells, times rising along it: the staircase has a vertex per cell corner
    const W = 12;
    const mask = new Uint8Array(W * W);
    const times = new Float32Array(W * W).fill(Infinity);
    for (let k = 0; k < W; k++)
      for (const d of [-1, 0, 1]) {
        const i = k + d;
        if (i < 0 || i >= W) continue;
        mask[k * W + i] = 1;
        times[k * W + i] = k * 10;
      }
    const [ring] = traceMask(mask, W, W)[0];
    const c = contourRing(
      ring,
      (i, j) => (i >= 0 && j >= 0 && i < W && j < W ? times[j * W + i] : Infinity),
      1000,
    );
    // the staircase turns at every cell; the contour keeps only the band's few real corners
    expect(ring.length).toBeGreaterThan(40);
    expect(c.length).toBeLessThan(12);
    // every vertex within the staircase's band (cells k-1..k+1 of row k)
    for (const [x, y] of c) expect(Math.abs(x - y)).toBeLessThanOrEqual(2);
  });
});
