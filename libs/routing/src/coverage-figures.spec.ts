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

/** A check of the figures on a graph: units placed from `seed`, these tiers and areas. */
type Oracle = (
  graph: RoadGraph,
  seed: number,
  units: number,
  tiersSec: number[],
  areas: CoverageArea[],
) => void;

/** Places source `id` near a random node (within about 100 m, snapped as a unit's position). */
function placer(graph: RoadGraph, rand: () => number): (id: string) => Source {
  return (id) => {
    const v = Math.floor(rand() * graph.nodeCount);
    const p = {
      lon: graph.nodeLon[v] + (rand() - 0.5) * 2e-3,
      lat: graph.nodeLat[v] + (rand() - 0.5) * 2e-3,
    };
    return { id, ...p, snap: snapPoint(graph, p, { role: 'origin' }) };
  };
}

/**
 * Oracle: after every round of moves (hops, units leaving the road, arriving, departing) folded
 * into the live node times, the kept figures equal computeCoverage run from scratch on the same
 * node times: the same covered cells per tier and area, the same blind-spot polygons, the same
 * road km, all exactly. (That the live node times are the per-node minimum over single-source
 * searches is coverage-incremental.spec's oracle.)
 */
const checkAgainstFullComputation: Oracle = (graph, seed, units, tiersSec, areas) => {
  const rand = mulberry32(seed);
  const place = placer(graph, rand);
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
    const want = computeCoverage(graph, sources, tiersSec, {
      areas,
      nodeSec: inc.nodeSec,
      fromScratch: true,
    });
    expect({ round, settled: got.settledNodes }).toEqual({ round, settled: want.settledNodes });
    expect({ round, pct: got.tiers.map((t) => t.areaPct) }).toEqual({
      round,
      pct: want.tiers.map((t) => t.areaPct),
    });
    expect(got.unsnappedSourceIds).toEqual(want.unsnappedSourceIds);
    expect({ round, tiers: got.tiers }).toEqual({ round, tiers: want.tiers });
    expect({ round, areas: got.areas }).toEqual({ round, areas: want.areas });
    expect(got.blindSpots).toEqual(want.blindSpots);
    // an update with nothing changed changes nothing
    expect(figures.update(inc.nodeSec, sources).tiers).toEqual(got.tiers);
  }
};

/**
 * Oracle: computeCoverage called again and again on one graph (its figures kept from the last
 * call, re-burnt and re-counted only where node times or source pieces changed) gives exactly
 * what a computation from scratch gives, after random moves of one, a few, a fifth or every
 * unit, units leaving the road and coming back, and calls with nothing moved; with a second
 * layout (other tiers) asked in between.
 */
const checkKeptAgainstScratch: Oracle = (graph, seed, units, tiersSec, areas) => {
  const rand = mulberry32(seed);
  const place = placer(graph, rand);
  const hop = (s: Source): Source => {
    const p = { lon: s.lon + (rand() - 0.5) * 4e-4, lat: s.lat + (rand() - 0.5) * 4e-4 };
    return { ...s, ...p, snap: snapPoint(graph, p, { role: 'origin' }) };
  };
  let sources = Array.from({ length: units }, (_, i) => place(`u${i}`));
  const other = tiersSec.map((t) => t / 2);
  const moves = [0, 1, 3, 0, units, 20, Math.ceil(units / 5), 2, units, 1];
  moves.forEach((moved, round) => {
    for (let m = 0; m < moved; m++) {
      const k = moved === units ? m : Math.floor(rand() * sources.length);
      const r = rand();
      const s =
        r < 0.05 ? { ...sources[k], snap: null } : r < 0.2 ? place(sources[k].id) : hop(sources[k]);
      sources = sources.map((x, i) => (i === k ? s : x));
    }
    if (round === 6) computeCoverage(graph, sources, other, { areas });
    const got = computeCoverage(graph, sources, tiersSec, { areas });
    const want = computeCoverage(graph, sources, tiersSec, { areas, fromScratch: true });
    const { tookMs: _g, ...gotFigures } = got;
    const { tookMs: _w, ...wantFigures } = want;
    expect({ round, moved, ...gotFigures }).toEqual({ round, moved, ...wantFigures });
  });
};

/** The hard synthetic city of `seed` (20,000 nodes) with its districts as areas. */
function hardCity(seed: number): { graph: RoadGraph; areas: CoverageArea[] } {
  const city = generateCity({ seed, targetNodes: 20_000, hard: true });
  const graph = buildRoadGraph(importGeoJsonRoads(city.roads));
  const areas = city.districts.features.map((f) => ({
    id: f.properties.code,
    polygon: f.geometry,
  }));
  return { graph, areas };
}

const dataDir = process.env.SHARED_DATA_DIR ?? path.resolve(__dirname, '../../../../shared/data');
const chengduFile = path.join(dataDir, 'chengdu-center-2018.osm');
const shenzhenFile = path.join(dataDir, 'shenzhen-futian-roads.geojson');
const itWithRealData = fs.existsSync(chengduFile) && fs.existsSync(shenzhenFile) ? it : it.skip;

/** The real Chengdu and Shenzhen networks. */
function realCities(): [RoadGraph, RoadGraph] {
  const cd = buildRoadGraph(importOsmXml(fs.readFileSync(chengduFile)));
  const fc = JSON.parse(fs.readFileSync(shenzhenFile, 'utf8'));
  return [cd, buildRoadGraph(importGeoJsonRoads(fc, { joinEndpointsWithinM: 20 }))];
}

/**
 * An oracle's two cases: the hard city of `citySeed` with its districts as areas, and both real
 * cities without areas (the road band); `seeds` place the units in each.
 */
function onHardAndRealCities(
  check: Oracle,
  citySeed: number,
  seeds: [number, number, number],
  units: { hard: number; real: number },
) {
  it('on the hard synthetic city with its districts as areas', () => {
    const { graph, areas } = hardCity(citySeed);
    check(graph, seeds[0], units.hard, [120, 300, 600], areas);
  });

  itWithRealData('on the real Chengdu and Shenzhen networks (no areas: the road band)', () => {
    const [cd, sz] = realCities();
    check(cd, seeds[1], units.real, [60, 180, 300], []);
    check(sz, seeds[2], units.real, [60, 180, 300], []);
  });
}

describe('computeCoverage with figures kept between calls equals a computation from scratch', () =>
  onHardAndRealCities(checkKeptAgainstScratch, 11, [6, 7, 8], { hard: 120, real: 60 }));

describe('incremental coverage figures equal a full computation', () => {
  onHardAndRealCities(checkAgainstFullComputation, 9, [3, 4, 5], { hard: 80, real: 40 });

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
      expect(got.tiers).toEqual(want.tiers);
      expect(got.areas).toEqual(want.areas);
      expect(got.blindSpots).toEqual(want.blindSpots);
    }
  });
});
