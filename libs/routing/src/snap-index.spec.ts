import * as fs from 'node:fs';
import * as path from 'node:path';
import { importGeoJsonRoads } from './geojson-import';
import { importOsmXml } from './osm-xml-import';
import { buildRoadGraph, type RoadGraph } from './road-graph';
import { SMALL_COMPONENT_MARGIN_M, snapPoint, type LonLat } from './snap';
import { generateCity, mulberry32 } from './synthetic-city';

/**
 * Oracle for the grid snap index: every piece of every segment measured, and the role rule
 * (largest component unless a linked piece is more than the margin closer) applied by hand.
 */
function bruteSnap(
  graph: RoadGraph,
  p: LonLat,
  role: 'origin' | 'target' | undefined,
  maxSnapM = 500,
): { segment: number; distanceM: number } | null {
  const { kx, ky, lon0, lat0 } = graph.projection;
  const px = (p.lon - lon0) * kx;
  const py = (p.lat - lat0) * ky;
  const linked = role ? reachSet(graph, role) : null;
  const main = { d: Infinity, s: -1 };
  const other = { d: Infinity, s: -1 };
  for (let s = 0; s < graph.segmentCount; s++) {
    const a = graph.segFrom[s];
    const b = graph.segTo[s];
    const inMain =
      graph.nodeComponent[a] === graph.largestComponent &&
      graph.nodeComponent[b] === graph.largestComponent;
    const inLinked = linked !== null && linked[a] === 1 && linked[b] === 1;
    if (!inMain && !inLinked) continue;
    for (let g = graph.segGeomStart[s]; g < graph.segGeomStart[s + 1] - 1; g++) {
      const x0 = (graph.geomLon[g] - lon0) * kx;
      const y0 = (graph.geomLat[g] - lat0) * ky;
      const dx = (graph.geomLon[g + 1] - lon0) * kx - x0;
      const dy = (graph.geomLat[g + 1] - lat0) * ky - y0;
      const l2 = dx * dx + dy * dy;
      const t = l2 > 0 ? Math.min(1, Math.max(0, ((px - x0) * dx + (py - y0) * dy) / l2)) : 0;
      const d = Math.hypot(x0 + t * dx - px, y0 + t * dy - py);
      const best = inMain ? main : other;
      if (d < best.d) {
        best.d = d;
        best.s = s;
      }
    }
  }
  if (
    other.s >= 0 &&
    other.d <= maxSnapM &&
    (main.s < 0 || other.d < main.d - SMALL_COMPONENT_MARGIN_M)
  )
    return { segment: other.s, distanceM: other.d };
  if (main.s < 0 || main.d > maxSnapM) return null;
  return { segment: main.s, distanceM: main.d };
}

/** Nodes that can drive into the largest component (origin) or be reached from it (target). */
const reachSets = new Map<string, Uint8Array>();
function reachSet(graph: RoadGraph, role: 'origin' | 'target'): Uint8Array {
  const key = `${graph.nodeCount}|${graph.segmentCount}|${role}`;
  const hit = reachSets.get(key);
  if (hit) return hit;
  const seen = new Uint8Array(graph.nodeCount);
  const stack: number[] = [];
  for (let v = 0; v < graph.nodeCount; v++)
    if (graph.nodeComponent[v] === graph.largestComponent) {
      seen[v] = 1;
      stack.push(v);
    }
  const [off, next] =
    role === 'origin' ? [graph.revOffsets, graph.revSources] : [graph.fwdOffsets, graph.fwdTargets];
  while (stack.length) {
    const v = stack.pop()!;
    for (let e = off[v]; e < off[v + 1]; e++)
      if (!seen[next[e]]) {
        seen[next[e]] = 1;
        stack.push(next[e]);
      }
  }
  reachSets.set(key, seen);
  return seen;
}

function checkAgainstBrute(graph: RoadGraph, seed: number, count: number): void {
  const rand = mulberry32(seed);
  let compared = 0;
  for (let k = 0; k < count; k++) {
    const v = Math.floor(rand() * graph.nodeCount);
    // mostly near the streets, some far off (up to ~1 km, beyond the 500 m snap limit)
    const spread = k % 10 === 0 ? 2e-2 : 2e-3;
    const p = {
      lon: graph.nodeLon[v] + (rand() - 0.5) * spread,
      lat: graph.nodeLat[v] + (rand() - 0.5) * spread,
    };
    for (const role of [undefined, 'origin', 'target'] as const) {
      const got = snapPoint(graph, p, { role });
      const want = bruteSnap(graph, p, role);
      if (want === null) {
        expect(got).toBeNull();
        continue;
      }
      expect(got).not.toBeNull();
      expect(got!.distanceM).toBeCloseTo(want.distanceM, 6);
      // equal distances on two segments (a shared end node) may pick either
      if (got!.segment !== want.segment) expect(got!.distanceM).toBeCloseTo(want.distanceM, 9);
      compared++;
    }
  }
  expect(compared).toBeGreaterThan(count);
}

describe('grid snap index gives the exhaustive nearest piece', () => {
  it('on the hard synthetic city (one-ways, shape points, islands), every role', () => {
    const city = generateCity({ seed: 5, targetNodes: 20_000, hard: true });
    const graph = buildRoadGraph(importGeoJsonRoads(city.roads));
    expect(graph.stats.components).toBeGreaterThan(1);
    checkAgainstBrute(graph, 11, 100);
  });

  const dataDir = process.env.SHARED_DATA_DIR ?? path.resolve(__dirname, '../../../../shared/data');
  const chengdu = path.join(dataDir, 'chengdu-center-2018.osm');
  const shenzhen = path.join(dataDir, 'shenzhen-futian-roads.geojson');
  const haveData = fs.existsSync(chengdu) && fs.existsSync(shenzhen);
  (haveData ? it : it.skip)('on the real Chengdu and Shenzhen networks, every role', () => {
    checkAgainstBrute(buildRoadGraph(importOsmXml(fs.readFileSync(chengdu))), 12, 300);
    const text = fs.readFileSync(shenzhen, 'utf8');
    checkAgainstBrute(
      buildRoadGraph(importGeoJsonRoads(JSON.parse(text), { joinEndpointsWithinM: 20 })),
      13,
      300,
    );
  });
});
