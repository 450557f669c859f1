/**
 * Vertex-order benchmark: the same hard 250k-node synthetic city built twice from one draft,
 * once with vertices numbered as the roads arrive (`vertexOrder: 'input'`, how every graph was
 * numbered before) and once along a Hilbert curve (the default), then the same searches from
 * the same geographic points on both, the two runs interleaved so load from other processes
 * falls on both alike: 1/3/8-minute isochrones, the recommendation ETA (the 50 fastest of
 * 2,000 units with cached snaps, within 1800 s) and one coverage computation (2,000 units,
 * tiers 300/600/1800 s, the districts as areas). Prints and writes figures; asserts nothing.
 */
import * as os from 'node:os';
import {
  buildRoadGraph,
  computeCoverage,
  etaToTarget,
  generateCity,
  importGeoJsonRoads,
  isochrones,
  snapPoint,
  type CoverageArea,
  type EtaUnit,
  type LonLat,
  type RoadGraph,
} from '../libs/routing/src';
import { HARD_CITY } from './lib/bench-cities';
import { measure, mulberry32, stats, streetPoint, writeResult } from './lib/bench-utils';

const INCIDENTS = 200;
const UNITS = 2000;
const TOP_K = 50;
const TIERS = [300, 600, 1800];
const COVERAGE_RUNS = 3;

const load = (): number[] => os.loadavg().map((v) => Math.round(v * 100) / 100);

function main(): Record<string, unknown> {
  const loadStart = load();
  const city = generateCity(HARD_CITY);
  const draft = importGeoJsonRoads(city.roads);
  const inputBuild = measure(() => buildRoadGraph(draft, { vertexOrder: 'input' }));
  const spatialBuild = measure(() => buildRoadGraph(draft));
  const graphs: Record<'input' | 'spatial', RoadGraph> = {
    input: inputBuild.result,
    spatial: spatialBuild.result,
  };
  // the same places for both numberings (streetPoint picks by segment id: draw on one graph)
  const rand = mulberry32(9);
  const incidents: LonLat[] = Array.from({ length: INCIDENTS }, () =>
    streetPoint(graphs.input, rand),
  );
  const unitPoints = Array.from({ length: UNITS }, (_, i) => ({
    id: `u${i}`,
    ...streetPoint(graphs.input, rand),
  }));
  const units = {
    input: unitPoints.map((u): EtaUnit => ({ ...u, snap: snapPoint(graphs.input, u) })),
    spatial: unitPoints.map((u): EtaUnit => ({ ...u, snap: snapPoint(graphs.spatial, u) })),
  };
  const areas: CoverageArea[] = city.districts.features.map((f) => ({
    id: f.properties.code,
    polygon: f.geometry,
  }));
  const orders = ['input', 'spatial'] as const;

  const warm = mulberry32(3);
  for (let k = 0; k < 10; k++) {
    const p = streetPoint(graphs.input, warm);
    for (const o of orders) {
      isochrones(graphs[o], p, [1, 3, 8]);
      etaToTarget(graphs[o], p, units[o], { maxSec: 1800, maxResults: TOP_K });
    }
  }
  for (const o of orders) computeCoverage(graphs[o], units[o], TIERS, { areas });

  const samples = (): { wall: number[]; cpu: number[] } => ({ wall: [], cpu: [] });
  const iso = { input: samples(), spatial: samples() };
  const eta = { input: samples(), spatial: samples() };
  const cov = { input: samples(), spatial: samples() };
  const add = (s: { wall: number[]; cpu: number[] }, r: { ms: number; cpuMs: number }): void => {
    s.wall.push(r.ms);
    s.cpu.push(r.cpuMs);
  };
  incidents.forEach((p, i) => {
    // alternate which numbering goes first, so neither always runs on a warmer cache
    const pair = i % 2 === 0 ? orders : [...orders].reverse();
    for (const o of pair)
      add(
        iso[o],
        measure(() => isochrones(graphs[o], p, [1, 3, 8])),
      );
    for (const o of pair)
      add(
        eta[o],
        measure(() => etaToTarget(graphs[o], p, units[o], { maxSec: 1800, maxResults: TOP_K })),
      );
  });
  for (let r = 0; r < COVERAGE_RUNS; r++)
    for (const o of orders)
      add(
        cov[o],
        measure(() => computeCoverage(graphs[o], units[o], TIERS, { areas, fromScratch: true })),
      );

  const figures = (o: 'input' | 'spatial') => ({
    buildMs: Math.round((o === 'input' ? inputBuild : spatialBuild).ms),
    buildCpuMs: Math.round((o === 'input' ? inputBuild : spatialBuild).cpuMs),
    isochrone3TiersP50Ms: stats(iso[o].wall).p50,
    isochrone3TiersP99Ms: stats(iso[o].wall).p99,
    isochrone3TiersCpuP50Ms: stats(iso[o].cpu).p50,
    isochrone3TiersCpuP99Ms: stats(iso[o].cpu).p99,
    recommendSnappedP50Ms: stats(eta[o].wall).p50,
    recommendSnappedP99Ms: stats(eta[o].wall).p99,
    recommendSnappedCpuP50Ms: stats(eta[o].cpu).p50,
    recommendSnappedCpuP99Ms: stats(eta[o].cpu).p99,
    coverageP50Ms: stats(cov[o].wall).p50,
    coverageCpuP50Ms: stats(cov[o].cpu).p50,
  });
  return {
    city: { ...HARD_CITY, nodes: graphs.input.nodeCount, segments: graphs.input.segmentCount },
    input: figures('input'),
    spatial: figures('spatial'),
    samples: { incidents: INCIDENTS, coverageRuns: COVERAGE_RUNS },
    inClock:
      "per incident and numbering: one isochrones(graph, incident, [1, 3, 8]) call (direction 'to', distinct incidents so each set is drawn: snap, bucket-queue search to 480 s, raster, contours), then one etaToTarget(graph, incident, 2000 units with cached snaps, { maxSec: 1800, maxResults: 50 }); coverage: one computeCoverage(graph, 2000 units, [300, 600, 1800], { areas: the districts, fromScratch: true }) per run (from scratch, not the figures kept from the last call: the search, burning reached segments, area and blind-spot figures; per-graph caches warm). Both numberings run in one process, interleaved, on the same geographic points; wall (performance.now) and process CPU (process.cpuUsage user + system, GC included). Not inside: generating, importing and building the city (buildMs and buildCpuMs are the build alone, once per numbering), snapping the units",
    machineLoad: { start: loadStart, end: load() },
  };
}

if (require.main === module) writeResult('vertex-order', main());
