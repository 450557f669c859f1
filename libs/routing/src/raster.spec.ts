import { clippedTimes } from './__fixtures__/clipped-burn';
import { edgeCosts } from './edge-costs';
import { seedArrival, seedDeparture } from './eta';
import { importGeoJsonRoads } from './geojson-import';
import {
  addPiece,
  addSettledPieces,
  burnReachedPieces,
  createPieces,
  gridAround,
  rasterizePieces,
  shapeBoundsCached,
} from './raster';
import { buildRoadGraph, DIR_BACKWARD, DIR_FORWARD } from './road-graph';
import { beginSearch, createSearchWorkspace, runBucketSearch } from './search-workspace';
import { snapPoint } from './snap';
import { generateCity, mulberry32 } from './synthetic-city';

describe('burnReachedPieces (the isochrones raster)', () => {
  it('equals clipping every reached shape piece against every cell, rings to and from, short and long', () => {
    const city = generateCity({ seed: 5, targetNodes: 20_000, hard: true });
    const graph = buildRoadGraph(importGeoJsonRoads(city.roads));
    const costs = edgeCosts(graph);
    const ws = createSearchWorkspace(graph);
    const rand = mulberry32(3);
    const paths = { few: 0, many: 0 };
    for (let o = 0; o < 3; o++) {
      const v = Math.floor(rand() * graph.nodeCount);
      const snap = snapPoint(graph, {
        lon: graph.nodeLon[v] + (rand() - 0.5) * 1e-3,
        lat: graph.nodeLat[v] + (rand() - 0.5) * 1e-3,
      })!;
      const access = snap.distanceM / (15 / 3.6);
      for (const forward of [true, false])
        for (const [T, cellM] of [[120, 50], [600, 37], ...(o < 2 ? [[2400, 50]] : [])]) {
          // the pieces as roadIsochrones gathers them: the origin's own road, then the search's
          beginSearch(ws, forward ? 'forward' : 'reverse');
          if (forward) seedDeparture(ws, snap, costs, access);
          else seedArrival(ws, snap, costs, access);
          const settled = runBucketSearch(ws, graph, costs, T);
          const pieces = createPieces();
          const own = createPieces();
          for (const p of [pieces, own]) {
            if (snap.direction & (forward ? DIR_FORWARD : DIR_BACKWARD))
              addPiece(p, snap.segment, snap.fraction, true, access);
            if (snap.direction & (forward ? DIR_BACKWARD : DIR_FORWARD))
              addPiece(p, snap.segment, snap.fraction, false, access);
          }
          addSettledPieces(pieces, graph, ws, settled, T);
          const grid = gridAround(shapeBoundsCached(graph, pieces.seg, pieces.count), cellM, 3);
          const cells = grid.W * grid.H;
          const got = new Float32Array(cells).fill(Infinity);
          burnReachedPieces(graph, costs, pieces, grid, got, T);
          const sampled = new Float32Array(cells).fill(Infinity);
          rasterizePieces(graph, costs, pieces, grid, sampled, T);
          // the oracle: each segment's pieces from its ends clipped; the origin's own walked
          const ta = new Float64Array(graph.segmentCount).fill(Infinity);
          const tb = new Float64Array(graph.segmentCount).fill(Infinity);
          const segs = new Set<number>();
          for (let p = own.count; p < pieces.count; p++) {
            const s = pieces.seg[p];
            segs.add(s);
            if (pieces.towardEnd[p] === 1) ta[s] = Math.min(ta[s], pieces.t0[p]);
            else tb[s] = Math.min(tb[s], pieces.t0[p]);
          }
          paths[segs.size * 8 > graph.segmentCount ? 'many' : 'few']++;
          const { want, must } = clippedTimes(graph, costs.segSec, (s) => [ta[s], tb[s]], grid);
          const ownR = new Float32Array(cells).fill(Infinity);
          rasterizePieces(graph, costs, own, grid, ownR, T);
          const bad = { noRoad: 0, wrongTime: 0, missed: 0, laterThanSamples: 0 };
          let burned = 0;
          for (let c = 0; c < cells; c++) {
            const t = got[c];
            const lo = Math.min(want[c], ownR[c]);
            const hi = Math.min(must[c], ownR[c], T);
            if (t < Infinity) {
              burned++;
              if (!(lo <= T + 1e-3)) bad.noRoad++;
              else if (!(t >= lo - 1e-3 && t <= hi + 1e-3)) bad.wrongTime++;
            } else if (hi <= T - 1e-3) bad.missed++;
            // no later than the samples, unless a sample lies on the cell's edge (earlier than
            // any point inside it: its time belongs to the cell it touches)
            if (sampled[c] < Infinity && !(t <= sampled[c] + 1e-3) && !(sampled[c] < hi - 1e-3))
              bad.laterThanSamples++;
          }
          const label = { o, forward, T, cellM };
          expect({ ...label, burned: burned > 20 }).toEqual({ ...label, burned: true });
          expect({ ...label, ...bad }).toEqual({
            ...label,
            noRoad: 0,
            wrongTime: 0,
            missed: 0,
            laterThanSamples: 0,
          });
        }
    }
    // both ways of going through the reached segments: only those (a short ring) and all in order
    expect(paths.few).toBeGreaterThan(0);
    expect(paths.many).toBeGreaterThan(0);
  });
});
