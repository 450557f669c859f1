import {
  CLUSTER_TIER,
  CLUSTER_XS,
  clusterGraph,
  clusterNode,
  clusterPlace,
} from './__fixtures__/three-clusters';
import { at } from './__fixtures__/small-network';
import { planDeployment } from './deployment';
import { multiSourceTimes } from './eta';
import { importGeoJsonRoads } from './geojson-import';
import { hexAreaKm2, hexKernelDensity, hexPolygon, nodeDemandFromHexes } from './hex-density';
import { roadLengthDemand } from './move-ups';
import { buildRoadGraph } from './road-graph';
import { generateCity } from './synthetic-city';

describe('hexKernelDensity', () => {
  const origin = at(0, 0);
  it('one point at a cell centre: the quartic kernel peak there, mass ≈ 1 over the cells', () => {
    const cells = hexKernelDensity([origin], { origin, cellM: 100, bandwidthM: 500 });
    expect(cells[0]).toMatchObject({ id: '0:0', q: 0, r: 0, count: 1 });
    expect(cells[0].density).toBeCloseTo((3 / (Math.PI * 500 * 500)) * 1e6, 6);
    // a cell centre 500 m or more away gets nothing; the kernel integrates to one point
    for (const c of cells) {
      const dx = (c.lon - origin.lon) * 111_320 * Math.cos((origin.lat * Math.PI) / 180);
      const dy = (c.lat - origin.lat) * 110_540;
      expect(Math.hypot(dx, dy)).toBeLessThan(500);
    }
    const mass = cells.reduce((s, c) => s + c.expected, 0);
    expect(mass).toBeGreaterThan(0.97);
    expect(mass).toBeLessThan(1.03);
    expect(cells[0].expected).toBeCloseTo(cells[0].density * hexAreaKm2(100), 9);
  });

  it('ranks the denser cluster first and counts points in their own cells', () => {
    const pts = [at(0, 0), at(10, 0), at(-10, 5), at(3000, 0)];
    const cells = hexKernelDensity(pts, { origin, cellM: 200, bandwidthM: 300 });
    expect(cells[0].id).toBe('0:0');
    expect(cells[0].count).toBe(3);
    expect(cells.find((c) => c.count === 1)?.density).toBeLessThan(cells[0].density);
    expect(cells.reduce((s, c) => s + c.count, 0)).toBe(4);
  });

  it('draws closed hexagons whose corners are cellM from the centre', () => {
    const ring = hexPolygon(origin, 200, 1, -1);
    expect(ring).toHaveLength(7);
    expect(ring[6]).toEqual(ring[0]);
  });

  it('rejects a zero bandwidth', () => {
    expect(() => hexKernelDensity([], { origin, bandwidthM: 0 })).toThrow(RangeError);
  });
});

describe('planDeployment: a demand field whose best posts are known', () => {
  // demand: A 10 per node (40), B 3 per node (9), C 1 per node (3): best two posts A and B
  const demand = new Float32Array(clusterGraph.nodeCount);
  for (const x of CLUSTER_XS) demand[clusterNode(x)] = x >= 4600 ? 3 : x >= 0 ? 10 : 1;
  const total = 52;
  const standbyPoints = [
    clusterPlace('sbC', -4200),
    clusterPlace('sbA-edge', 0),
    clusterPlace('sbA', 300),
    clusterPlace('sbB', 4800),
  ];

  it('posts two units at A’s centre and B, each unit to the closer post', () => {
    const r = planDeployment(clusterGraph, {
      units: [clusterPlace('u-east', 4500), clusterPlace('u-west', -100)],
      standbyPoints,
      tierSec: CLUSTER_TIER,
      demand,
    });
    expect(r.posts.map((p) => [p.unitId, p.standbyPointId])).toEqual([
      ['u-west', 'sbA'],
      ['u-east', 'sbB'],
    ]);
    expect(r.posts.map((p) => p.gainPct)).toEqual([
      expect.closeTo((100 * 40) / total, 4),
      expect.closeTo((100 * 9) / total, 4),
    ]);
    expect(r.coveredPct).toBeCloseTo((100 * 49) / total, 4);
    expect(r.posts[1].coveredPct).toBeCloseTo(r.coveredPct, 9);
    expect(r.unpostedUnitIds).toEqual([]);
  });

  it('leaves units unposted once no point adds demand', () => {
    const r = planDeployment(clusterGraph, {
      units: ['a', 'b', 'c', 'd', 'e'].map((id) => clusterPlace(id, 0)),
      standbyPoints,
      tierSec: CLUSTER_TIER,
      demand,
    });
    // sbA-edge adds nothing once sbA is manned
    expect(r.posts.map((p) => p.standbyPointId)).toEqual(['sbA', 'sbB', 'sbC']);
    expect(r.coveredPct).toBeCloseTo(100, 4);
    expect(r.unpostedUnitIds).toHaveLength(2);
  });

  it('builds the same answer from incidents through hexagon densities', () => {
    const origin = at(0, 0);
    const incidents = [
      ...Array.from({ length: 8 }, (_, i) => at(300 + (i % 3) * 20, 0)),
      ...Array.from({ length: 3 }, () => at(4800, 0)),
    ];
    const cells = hexKernelDensity(incidents, { origin, cellM: 150, bandwidthM: 400 });
    const d = nodeDemandFromHexes(clusterGraph, cells, { origin, cellM: 150 });
    expect(d[clusterNode(-4200)]).toBe(0);
    const r = planDeployment(clusterGraph, {
      units: [clusterPlace('u1', 0), clusterPlace('u2', 0)],
      standbyPoints,
      tierSec: CLUSTER_TIER,
      demand: d,
    });
    expect(r.posts.map((p) => p.standbyPointId)).toEqual(['sbA', 'sbB']);
  });
});

describe('planDeployment: lazy greedy equals the plain greedy on the synthetic city', () => {
  const city = generateCity({ seed: 5, targetNodes: 1500 });
  const g = buildRoadGraph(importGeoJsonRoads(city.roads));
  const main = [...Array(g.nodeCount).keys()].filter(
    (v) => g.nodeComponent[v] === g.largestComponent,
  );
  const pt = (id: string, v: number) => ({ id, lon: g.nodeLon[v], lat: g.nodeLat[v] });
  const points = Array.from({ length: 25 }, (_, k) => pt(`p${k}`, main[(k * 61) % main.length]));
  const units = Array.from({ length: 6 }, (_, k) => pt(`u${k}`, main[k * 5]));
  const demand = roadLengthDemand(g);
  const tier = 90;

  it('picks what an exhaustive marginal-gain search picks, with fewer evaluations', () => {
    const cover = points.map((p) => {
      const t = multiSourceTimes(g, [p], tier).nodeSec;
      return [...t.keys()].filter((v) => t[v] <= tier);
    });
    const seen = new Uint8Array(g.nodeCount);
    const expected: string[] = [];
    for (let k = 0; k < units.length; k++) {
      let best = -1;
      let bestGain = 0;
      cover.forEach((c, p) => {
        const gain = c.reduce((s, v) => s + (seen[v] ? 0 : demand[v]), 0);
        if (gain > bestGain + 1e-6) [best, bestGain] = [p, gain];
      });
      if (best < 0) break;
      expected.push(points[best].id);
      for (const v of cover[best]) seen[v] = 1;
    }
    const r = planDeployment(g, { units, standbyPoints: points, tierSec: tier, demand });
    expect(r.posts.map((p) => p.standbyPointId)).toEqual(expected);
    expect(r.evaluations).toBeLessThan(points.length * units.length);
    const gains = r.posts.map((p) => p.gainPct);
    expect([...gains].sort((a, b) => b - a)).toEqual(gains);
  });

  it('rejects bad options', () => {
    const base = { units, standbyPoints: points, tierSec: tier, demand };
    expect(() => planDeployment(g, { ...base, tierSec: -1 })).toThrow(RangeError);
    expect(() => planDeployment(g, { ...base, demand: new Float32Array(2) })).toThrow(RangeError);
  });
});
