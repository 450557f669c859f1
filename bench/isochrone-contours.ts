/**
 * Isochrone outlines: cell staircases (before) vs contours interpolated between cell travel
 * times (now), on Chengdu's real streets and on the 250,000-node synthetic city: time per
 * 1/3/8-minute collection (p50/p99), vertices per collection, area of the contour relative to
 * the staircase (the road-reach cells), and the share of outline segments that run exactly
 * north-south or east-west (a staircase is all of them). Then a study of coarser cells for the
 * 5-10-30 set (`encirclementCells`). Prints and writes figures; asserts nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { area } from '@turf/turf';
import {
  buildRoadGraph,
  generateCity,
  importGeoJsonRoads,
  importOsmXml,
  isochrones,
  type IsochroneCollection,
  type RoadGraph,
} from '../libs/routing/src';
import { hardCity } from './lib/bench-cities';
import { mulberry32, stats, streetPoint } from './lib/bench-utils';

const SHARED = process.env.SHARED_DATA_DIR ?? path.resolve(process.cwd(), '../shared/data');
const TIERS = [1, 3, 8];
const POINTS = 100;

function shape(fc: IsochroneCollection) {
  let vertices = 0;
  let segments = 0;
  let axis = 0;
  const areas: number[] = [];
  for (const f of fc.features) {
    const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    for (const poly of polys)
      for (const ring of poly) {
        vertices += ring.length - 1;
        for (let i = 1; i < ring.length; i++) {
          segments++;
          if (ring[i][0] === ring[i - 1][0] || ring[i][1] === ring[i - 1][1]) axis++;
        }
      }
    areas.push(area(f as Parameters<typeof area>[0]));
  }
  return { vertices, segments, axis, areas };
}

/**
 * Origins to time and others to warm up on: a set drawn for a timed origin during the warm-up
 * would be kept (`isochrones`' recent sets) and its timing would be a cache hit.
 */
function origins(graph: RoadGraph, seed: number, timed: number, warm: number) {
  const rand = mulberry32(seed);
  const points = Array.from({ length: timed }, () => streetPoint(graph, rand));
  return { points, warmUp: Array.from({ length: warm }, () => streetPoint(graph, rand)) };
}

/** Each tier's spread of `ratios[k]` (one per origin): min, p50 and max. */
function spreadByTier(tiers: number[], ratios: number[][]) {
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return Object.fromEntries(
    tiers.map((m, k) => {
      const s = [...ratios[k]].sort((x, y) => x - y);
      return [`${m}min`, { min: round(s[0]), p50: stats(s).p50, max: round(s[s.length - 1]) }];
    }),
  );
}

function run(name: string, graph: RoadGraph) {
  const { points, warmUp } = origins(graph, 2026, POINTS, 10);
  for (const p of warmUp) {
    isochrones(graph, p, TIERS);
    isochrones(graph, p, TIERS, { staircase: true });
  }
  const ms = { staircase: [] as number[], contour: [] as number[] };
  const vertices = { staircase: [] as number[], contour: [] as number[] };
  const axisShare = { staircase: [] as number[], contour: [] as number[] };
  const areaRatio: number[][] = TIERS.map(() => []);
  for (const p of points) {
    const t0 = performance.now();
    const before = isochrones(graph, p, TIERS, { staircase: true });
    const t1 = performance.now();
    const after = isochrones(graph, p, TIERS);
    const t2 = performance.now();
    ms.staircase.push(t1 - t0);
    ms.contour.push(t2 - t1);
    const a = shape(before);
    const b = shape(after);
    vertices.staircase.push(a.vertices);
    vertices.contour.push(b.vertices);
    axisShare.staircase.push(a.axis / a.segments);
    axisShare.contour.push(b.axis / b.segments);
    TIERS.forEach((_, k) => areaRatio[k].push(b.areas[k] / a.areas[k]));
  }
  return {
    name,
    nodes: graph.nodeCount,
    points: POINTS,
    tiersMinutes: TIERS,
    msPerCollection: { staircase: stats(ms.staircase), contour: stats(ms.contour) },
    verticesPerCollection: {
      staircase: stats(vertices.staircase),
      contour: stats(vertices.contour),
    },
    axisAlignedSegmentShare: {
      staircase: stats(axisShare.staircase),
      contour: stats(axisShare.contour),
    },
    contourAreaOverStaircaseArea: spreadByTier(TIERS, areaRatio),
  };
}

/**
 * The encirclement set (5, 10, 30 min), the heaviest rings a console asks for, drawn on the
 * product's 50 m cells and on coarser ones, to tell what coarser cells would buy and cost: time
 * per set (JSON included), JSON bytes, and each ring's area over its area on 50 m cells. A
 * study: the product draws every set on 50 m cells.
 */
function encirclementCells(name: string, graph: RoadGraph) {
  const tiers = [5, 10, 30];
  const variants = {
    cells50m: { cellM: 50 },
    // the 50 m buffer rounds to one 100 m cell
    cells100m: { cellM: 100 },
    cells100mNoBuffer: { cellM: 100, bufferM: 0 },
  } as const;
  type Variant = keyof typeof variants;
  const names = Object.keys(variants) as Variant[];
  const per = <T>(f: (v: Variant) => T) =>
    Object.fromEntries(names.map((v) => [v, f(v)])) as Record<Variant, T>;
  const { points, warmUp } = origins(graph, 2030, POINTS / 2, 5);
  for (const p of warmUp) isochrones(graph, p, tiers);
  const ms = per(() => [] as number[]);
  const bytes = per(() => [] as number[]);
  const ratio = per(() => tiers.map(() => [] as number[]));
  for (const p of points) {
    let base: number[] = [];
    for (const v of names) {
      const t0 = performance.now();
      const fc = isochrones(graph, p, tiers, variants[v]);
      const json = JSON.stringify(fc);
      ms[v].push(performance.now() - t0);
      bytes[v].push(json.length);
      const areas = shape(fc).areas;
      if (v === 'cells50m') base = areas;
      tiers.forEach((_, k) => ratio[v][k].push(areas[k] / base[k]));
    }
  }
  return {
    name,
    nodes: graph.nodeCount,
    points: points.length,
    tiersMinutes: tiers,
    msPerSetWithJson: per((v) => stats(ms[v])),
    jsonBytes: per((v) => stats(bytes[v])),
    areaOver50mArea: per((v) => spreadByTier(tiers, ratio[v])),
  };
}

export function runIsochroneContoursBench(): Record<string, unknown> {
  const chengdu = buildRoadGraph(
    importOsmXml(fs.readFileSync(path.join(SHARED, 'chengdu-center-2018.osm'))),
  );
  const city = buildRoadGraph(
    importGeoJsonRoads(generateCity({ seed: 1, targetNodes: 250_000 }).roads),
  );
  return {
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, loadavg: os.loadavg() },
    note: 'staircase = cell-edge outlines as before (opts.staircase); contour = marching squares with linear interpolation on the buffered travel-time raster (50 m cells), same rasters',
    chengdu: run('chengdu-center-2018.osm', chengdu),
    syntheticCity: run('synthetic city seed 1', city),
    encirclementCells: {
      note: 'a study, not the product (which draws every set on 50 m cells): the 5-10-30 set on 50 m cells against 100 m cells (the 50 m buffer rounds to one 100 m cell) and 100 m cells with no buffer; time includes JSON.stringify; each origin new (no kept set); areaOver50mArea compares each ring with the same ring on 50 m cells',
      chengdu: encirclementCells('chengdu-center-2018.osm', chengdu),
      hardCity: encirclementCells('hard-synthetic-250k', hardCity().graph),
    },
  };
}

if (require.main === module) {
  const r = runIsochroneContoursBench();
  const json = JSON.stringify(r, null, 2);
  console.log(json);
  const out = path.resolve(process.cwd(), 'bench/results/isochrone-contours.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${json}\n`);
}
