import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeCoverage } from './coverage';
import { etaToTarget, multiSourceTimes, type EtaUnit } from './eta';
import { haversineM } from './geo-math';
import { importGeoJsonRoads } from './geojson-import';
import { isochrones } from './isochrone';
import { importOsmXml } from './osm-xml-import';
import { buildRoadGraph, type RoadGraph } from './road-graph';
import { deserializeRoadGraph, serializeRoadGraph } from './road-graph-serialize';
import { hilbertIndex, hilbertRanks } from './spatial-order';
import { generateCity, mulberry32 } from './synthetic-city';

/**
 * The spatial numbering must be a pure renumbering: the same roads, and the same travel
 * times, rings and coverage between the same places as the numbering in input order.
 */

const DATA_DIR = process.env.SHARED_DATA_DIR ?? path.resolve(__dirname, '../../../../shared/data');
const CHENGDU = path.join(DATA_DIR, 'chengdu-center-2018.osm');

/** Mean metres between consecutive node ids (over the first 5,000). */
function meanStepM(g: RoadGraph): number {
  let sum = 0;
  const n = Math.min(5000, g.nodeCount - 1);
  for (let i = 0; i < n; i++)
    sum += haversineM(g.nodeLon[i], g.nodeLat[i], g.nodeLon[i + 1], g.nodeLat[i + 1]);
  return sum / n;
}

/** Every segment described by coordinates only, sorted: equal iff the road pieces are equal. */
function segmentsByPlace(g: RoadGraph): string[] {
  const out: string[] = [];
  for (let s = 0; s < g.segmentCount; s++) {
    const shape: number[] = [];
    for (let k = g.segGeomStart[s]; k < g.segGeomStart[s + 1]; k++)
      shape.push(g.geomLon[k], g.geomLat[k]);
    out.push(
      [
        g.nodeLon[g.segFrom[s]],
        g.nodeLat[g.segFrom[s]],
        g.nodeLon[g.segTo[s]],
        g.nodeLat[g.segTo[s]],
        g.segLengthM[s],
        g.segClass[s],
        g.segMaxspeedKmh[s],
        g.segBaseSpeedKmh[s],
        g.segDirection[s],
        g.segName[s] < 0 ? '' : g.names[g.segName[s]],
        shape.join(' '),
      ].join('|'),
    );
  }
  return out.sort();
}

/** Node times by place, sorted (vertices sharing a place sort by time): one line each. */
function timesByPlace(g: RoadGraph, sec: ArrayLike<number>): string {
  const lines: string[] = [];
  for (let v = 0; v < g.nodeCount; v++) lines.push(`${g.nodeLon[v]},${g.nodeLat[v]} ${sec[v]}`);
  return lines.sort().join('\n');
}

/** Random points near the roads (a node plus up to ~150 m), the same for both graphs. */
function placesNear(g: RoadGraph, n: number, seed: number): EtaUnit[] {
  const rand = mulberry32(seed);
  // pick by input-independent data: the sorted node coordinates
  const coords = Array.from({ length: g.nodeCount }, (_, v) => [g.nodeLon[v], g.nodeLat[v]]).sort(
    (a, b) => a[0] - b[0] || a[1] - b[1],
  );
  return Array.from({ length: n }, (_, i) => {
    const [lon, lat] = coords[Math.floor(rand() * coords.length)];
    return { id: `p${i}`, lon: lon + (rand() - 0.5) * 0.003, lat: lat + (rand() - 0.5) * 0.003 };
  });
}

function expectSameSearches(input: RoadGraph, spatial: RoadGraph, places: EtaUnit[]): void {
  expect(segmentsByPlace(spatial).join('\n')).toBe(segmentsByPlace(input).join('\n'));
  const [origin, ...units] = places;
  for (const p of places.slice(0, 6)) {
    // forward search from the same snapped origin: every node's time, matched by place
    const a = multiSourceTimes(input, [p], 900);
    const b = multiSourceTimes(spatial, [p], 900);
    expect(b.settledNodes).toBe(a.settledNodes);
    expect(b.settledNodes).toBeGreaterThan(100);
    expect(timesByPlace(spatial, b.nodeSec)).toEqual(timesByPlace(input, a.nodeSec));
  }
  const etaA = etaToTarget(input, origin, units, { maxSec: 1800 });
  const etaB = etaToTarget(spatial, origin, units, { maxSec: 1800 });
  expect(etaA.results.length).toBeGreaterThan(units.length / 4);
  // same ETAs unit by unit (the order of exact ties is not part of the answer)
  const byId = (r: typeof etaA): Map<string, [number, number, string]> =>
    new Map(r.results.map((x) => [x.id, [x.etaSec, x.distanceM, x.method]]));
  expect(byId(etaB)).toEqual(byId(etaA));
  expect(etaB.unreachedIds).toEqual(etaA.unreachedIds);
  expect(etaB.settledNodes).toBe(etaA.settledNodes);
  for (const direction of ['to', 'from'] as const) {
    for (const p of places.slice(0, 4)) {
      expect(isochrones(spatial, p, [1, 3, 8], { direction })).toEqual(
        isochrones(input, p, [1, 3, 8], { direction }),
      );
    }
  }
  const sources = units.slice(0, 12);
  const covA = computeCoverage(input, sources, [240, 480]);
  const covB = computeCoverage(spatial, sources, [240, 480]);
  // road km are sums over segments, added in segment order: equal to the last bits only
  const tiers = (c: typeof covA) =>
    c.tiers.map((t) => ({
      ...t,
      roadKm: t.roadKm.toPrecision(12),
      roadKmTotal: t.roadKmTotal.toPrecision(12),
      roadKmPct: t.roadKmPct.toPrecision(12),
    }));
  expect(tiers(covB)).toEqual(tiers(covA));
  expect(covB.tiers.map((t) => t.areaPct)).toEqual(covA.tiers.map((t) => t.areaPct));
  expect(covB.blindSpots).toEqual(covA.blindSpots);
  expect(covB.settledNodes).toBe(covA.settledNodes);
  expect(timesByPlace(spatial, covB.nodeSec)).toEqual(timesByPlace(input, covA.nodeSec));
}

describe('hilbertIndex', () => {
  it('walks the 256×256 corner block cell by cell, each cell once', () => {
    // the curve over 2^16 × 2^16 fills the lower-left 2^8 block first (indices 0 … 65535)
    const at = new Int32Array(65536).fill(-1);
    let outside = 0;
    let twice = 0;
    for (let x = 0; x < 256; x++)
      for (let y = 0; y < 256; y++) {
        const d = hilbertIndex(x, y);
        if (d >= 65536) outside++;
        else if (at[d] >= 0) twice++;
        else at[d] = x * 256 + y;
      }
    expect({ outside, twice }).toEqual({ outside: 0, twice: 0 });
    let jumps = 0;
    for (let d = 1; d < 65536; d++) {
      const dx = Math.abs((at[d] >> 8) - (at[d - 1] >> 8));
      const dy = Math.abs((at[d] & 255) - (at[d - 1] & 255));
      if (dx + dy !== 1) jumps++;
    }
    expect(jumps).toBe(0);
    expect(hilbertIndex(65535, 0)).toBe(2 ** 32 - 1);
  });

  it('ranks coincident points by their old index, so the numbering is a function of the input', () => {
    const lon = Float64Array.from([1, 0, 1, 0.5]);
    const lat = Float64Array.from([1, 0, 1, 0.5]);
    const r = hilbertRanks(lon, lat);
    expect(Array.from(r).sort()).toEqual([0, 1, 2, 3]);
    expect(r[0]).toBeLessThan(r[2]);
    expect(hilbertRanks(lon, lat)).toEqual(r);
  });
});

describe('buildRoadGraph numbers vertices along a Hilbert curve', () => {
  const roads = generateCity({ seed: 7, targetNodes: 20_000, hard: true }).roads;
  const spatial = buildRoadGraph(importGeoJsonRoads(roads));
  const input = buildRoadGraph(importGeoJsonRoads(roads), { vertexOrder: 'input' });

  it('puts consecutive ids next to each other, deterministically', () => {
    expect(meanStepM(spatial)).toBeLessThan(meanStepM(input) / 20);
    // segments follow their lower endpoint, then their higher one
    let outOfOrder = 0;
    for (let s = 1; s < spatial.segmentCount; s++) {
      const lo0 = Math.min(spatial.segFrom[s - 1], spatial.segTo[s - 1]);
      const lo1 = Math.min(spatial.segFrom[s], spatial.segTo[s]);
      const hi0 = Math.max(spatial.segFrom[s - 1], spatial.segTo[s - 1]);
      const hi1 = Math.max(spatial.segFrom[s], spatial.segTo[s]);
      if (lo1 < lo0 || (lo1 === lo0 && hi1 < hi0)) outOfOrder++;
    }
    expect(outOfOrder).toBe(0);
    const again = buildRoadGraph(importGeoJsonRoads(roads));
    expect(again.nodeLon).toEqual(spatial.nodeLon);
    expect(again.segFrom).toEqual(spatial.segFrom);
    expect(again.segTo).toEqual(spatial.segTo);
    expect(again.geomLat).toEqual(spatial.geomLat);
  });

  it('is a pure renumbering: same roads, stats, travel times, rings and coverage', () => {
    expect(spatial.stats).toEqual(input.stats);
    expect(spatial.edgeCount).toBe(input.edgeCount);
    expectSameSearches(input, spatial, placesNear(input, 40, 11));
  });

  it('leaves a stored graph in the numbering it was stored with', () => {
    const back = deserializeRoadGraph(serializeRoadGraph(input));
    expect(back.nodeLon).toEqual(input.nodeLon);
    expect(back.segFrom).toEqual(input.segFrom);
    expect(back.fwdTargets).toEqual(input.fwdTargets);
  });
});

const chengduIt = fs.existsSync(CHENGDU) ? it : it.skip;
describe('the real Chengdu extract', () => {
  chengduIt('gives the same travel times, rings and coverage in either numbering', () => {
    const draft = importOsmXml(fs.readFileSync(CHENGDU));
    const spatial = buildRoadGraph(draft);
    const input = buildRoadGraph(draft, { vertexOrder: 'input' });
    expect(spatial.stats).toEqual(input.stats);
    expect(meanStepM(spatial)).toBeLessThan(meanStepM(input) / 3);
    expectSameSearches(input, spatial, placesNear(input, 30, 5));
  });
});
