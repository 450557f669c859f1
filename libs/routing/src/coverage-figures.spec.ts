import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeCoverage, IncrementalCoverageFigures, type CoverageArea } from './coverage';
import { IncrementalCoverage } from './coverage-incremental';
import { LiveCoverage } from './coverage-live';
import { importGeoJsonRoads } from './geojson-import';
import { importOsmXml } from './osm-xml-import';
import { buildRoadGraph, type RoadGraph } from './road-graph';
import { snapPoint, type SnappedPoint } from './snap';
import { generateCity, mulberry32 } from './synthetic-city';

interface Source {
  id: string;
  lon: number;
  lat: number;
  snap: SnappedPoint | null;
}

/**
 * Oracle: after every round of moves (hops, units leaving the road, arriving, departing) folded
 * into the live node times, the kept figures equal computeCoverage run from scratch on the same
 * node times: the same covered cells per tier and area (exactly), the same blind-spot polygons,
 * the same road km up to the order of additions. (That the live node times are the per-node
 * minimum over single-source searches is coverage-incremental.spec's oracle.)
 */
function checkAgainstFullComputation(
  graph: RoadGraph,
  seed: number,
  units: number,
  tiersSec: number[],
  areas: CoverageArea[],
) {
  const rand = mulberry32(seed);
  const N = graph.nodeCount;
  const place = (id: string): Source => {
    const v = Math.floor(rand() * N);
    const p = {
      lon: graph.nodeLon[v] + (rand() - 0.5) * 2e-3,
      lat: graph.nodeLat[v] + (rand() - 0.5) * 2e-3,
    };
    return { id, ...p, snap: snapPoint(graph, p, { role: 'origin' }) };
  };
  let sources = Array.from({ length: units }, (_, i) => place(`u${i}`));
  const maxSec = Math.max(...tiersSec);
  const inc = new IncrementalCoverage(graph, maxSec);
  inc.reset(sources);
  const figures = new IncrementalCoverageFigures(graph, tiersSec, { areas });
  let next = units;
  for (let round = 0; round < 8; round++) {
    if (round > 0) {
      const moves = round === 4 ? units : 1 + Math.floor(rand() * 6);
      for (let m = 0; m < moves; m++) {
        const k = Math.floor(rand() * sources.length);
        const r = rand();
        if (r < 0.1) {
          inc.remove(sources[k].id);
          sources = sources.filter((_, i) => i !== k);
        } else if (r < 0.2) {
          const s = place(`u${next++}`);
          sources = [...sources, s];
          inc.move(s.id, s.snap);
        } else {
          const s = r < 0.25 ? { ...sources[k], snap: null } : place(sources[k].id);
          sources = sources.map((x, i) => (i === k ? s : x));
          inc.move(s.id, s.snap);
        }
      }
    }
    const got = figures.update(inc.nodeSec, sources);
    const want = computeCoverage(graph, sources, tiersSec, { areas, nodeSec: inc.nodeSec });
    expect({ round, settled: got.settledNodes }).toEqual({ round, settled: want.settledNodes });
    expect({ round, pct: got.tiers.map((t) => t.areaPct) }).toEqual({
      round,
      pct: want.tiers.map((t) => t.areaPct),
    });
    expect(got.unsnappedSourceIds).toEqual(want.unsnappedSourceIds);
    got.tiers.forEach((t, k) => expect(t.roadKm).toBeCloseTo(want.tiers[k].roadKm, 6));
    got.areas.forEach((a, i) =>
      a.tiers.forEach((t, k) => {
        expect(t.areaPct).toBe(want.areas[i].tiers[k].areaPct);
        expect(t.roadKm).toBeCloseTo(want.areas[i].tiers[k].roadKm, 6);
      }),
    );
    expect(got.blindSpots).toEqual(want.blindSpots);
    // an update with nothing changed changes nothing
    expect(figures.update(inc.nodeSec, sources).tiers).toEqual(got.tiers);
  }
}

describe('incremental coverage figures equal a full computation', () => {
  it('on the hard synthetic city with its districts as areas', () => {
    const city = generateCity({ seed: 9, targetNodes: 20_000, hard: true });
    const graph = buildRoadGraph(importGeoJsonRoads(city.roads));
    const areas = city.districts.features.map((f) => ({
      id: f.properties.code,
      polygon: f.geometry,
    }));
    checkAgainstFullComputation(graph, 3, 80, [120, 300, 600], areas);
  });

  const dataDir = process.env.SHARED_DATA_DIR ?? path.resolve(__dirname, '../../../../shared/data');
  const chengdu = path.join(dataDir, 'chengdu-center-2018.osm');
  const shenzhen = path.join(dataDir, 'shenzhen-futian-roads.geojson');
  (fs.existsSync(chengdu) && fs.existsSync(shenzhen) ? it : it.skip)(
    'on the real Chengdu and Shenzhen networks (no areas: the road band)',
    () => {
      const cd = buildRoadGraph(importOsmXml(fs.readFileSync(chengdu)));
      checkAgainstFullComputation(cd, 4, 40, [60, 180, 300], []);
      const fc = JSON.parse(fs.readFileSync(shenzhen, 'utf8'));
      const sz = buildRoadGraph(importGeoJsonRoads(fc, { joinEndpointsWithinM: 20 }));
      checkAgainstFullComputation(sz, 5, 40, [60, 180, 300], []);
    },
  );

  it('LiveCoverage, folding moved units in, equals live coverage built afresh for the same fleet', () => {
    const city = generateCity({ seed: 5, targetNodes: 10_000, hard: true });
    const graph = buildRoadGraph(importGeoJsonRoads(city.roads));
    const areas = city.districts.features.map((f) => ({
      id: f.properties.code,
      polygon: f.geometry,
    }));
    const rand = mulberry32(8);
    const at = new Date('2026-12-05T03:00:00Z');
    const place = (id: string): Source => {
      const v = Math.floor(rand() * graph.nodeCount);
      const p = { lon: graph.nodeLon[v], lat: graph.nodeLat[v] };
      return { id, ...p, snap: snapPoint(graph, p, { role: 'origin' }) };
    };
    let sources = Array.from({ length: 40 }, (_, i) => place(`u${i}`));
    const live = new LiveCoverage(graph);
    const ask = (lc: LiveCoverage) =>
      lc.compute({ key: 'k', tiersSec: [120, 300, 600], sources, areas, at });
    ask(live);
    for (let round = 0; round < 4; round++) {
      sources = sources.map((s) => (rand() < 0.2 ? place(s.id) : s));
      if (round === 2) sources = sources.slice(3);
      const { result: got, movedUnitSec } = ask(live);
      expect(movedUnitSec.length).toBeGreaterThan(0);
      const { result: want } = ask(new LiveCoverage(graph));
      expect(got.settledNodes).toBe(want.settledNodes);
      got.tiers.forEach((t, k) => {
        expect(t.areaPct).toBe(want.tiers[k].areaPct);
        expect(t.roadKm).toBeCloseTo(want.tiers[k].roadKm, 6);
      });
      got.areas.forEach((a, i) =>
        a.tiers.forEach((t, k) => expect(t.areaPct).toBe(want.areas[i].tiers[k].areaPct)),
      );
      expect(got.blindSpots).toEqual(want.blindSpots);
    }
  });
});
