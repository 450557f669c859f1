import { clippedTimes } from './__fixtures__/clipped-burn';
import { edgeCosts } from './edge-costs';
import { seedArrival, seedDeparture } from './eta';
import { importGeoJsonRoads } from './geojson-import';
import {
  addPiece,
  burnSettledRoads,
  createPieces,
  fillSaddles,
  gridAround,
  rasterizePieces,
  settledRoads,
  shapeBounds,
} from './raster';
import { buildRoadGraph, DIR_BACKWARD, DIR_FORWARD } from './road-graph';
import { beginSearch, createSearchWorkspace, nodeSec, runBucketSearch } from './search-workspace';
import { snapPoint } from './snap';
import { generateCity, mulberry32 } from './synthetic-city';

describe('settledRoads and burnSettledRoads (the isochrones raster)', () => {
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
          // the search as roadIsochrones runs it
          beginSearch(ws, forward ? 'forward' : 'reverse');
          if (forward) seedDeparture(ws, snap, costs, access);
          else seedArrival(ws, snap, costs, access);
          const settled = runBucketSearch(ws, graph, costs, T);
          const own = createPieces();
          if (snap.direction & (forward ? DIR_FORWARD : DIR_BACKWARD))
            addPiece(own, snap.segment, snap.fraction, true, access);
          if (snap.direction & (forward ? DIR_BACKWARD : DIR_FORWARD))
            addPiece(own, snap.segment, snap.fraction, false, access);
          // the oracle's reached roads, from the nodes' times and the roads' directions: a
          // segment is driven from its start at the start's time if the search leaves (forward)
          // or arrives (reverse) that way, the same from its end (a loop road too: no edge of
          // the graph's, yet driven from its node)
          const ta = new Float64Array(graph.segmentCount).fill(Infinity);
          const tb = new Float64Array(graph.segmentCount).fill(Infinity);
          const segs: number[] = [];
          const within = (v: number) => (nodeSec(ws, v) < T ? nodeSec(ws, v) : Infinity);
          for (let s = 0; s < graph.segmentCount; s++) {
            const dir = graph.segDirection[s];
            if (dir & (forward ? DIR_FORWARD : DIR_BACKWARD)) ta[s] = within(graph.segFrom[s]);
            if (dir & (forward ? DIR_BACKWARD : DIR_FORWARD)) tb[s] = within(graph.segTo[s]);
            if (ta[s] < Infinity || tb[s] < Infinity) segs.push(s);
          }
          const roads = settledRoads(graph, ws, settled, T);
          expect(roads.count).toBe(segs.length);
          const box = shapeBounds(graph, segs, segs.length);
          // the roads' bounds hold every reached shape
          expect(roads.bounds[0] <= box[0] && roads.bounds[1] <= box[1]).toBe(true);
          expect(roads.bounds[2] >= box[2] && roads.bounds[3] >= box[3]).toBe(true);
          shapeBounds(graph, own.seg, own.count, box);
          const grid = gridAround(box, cellM, 3);
          const cells = grid.W * grid.H;
          const got = new Float32Array(cells).fill(Infinity);
          burnSettledRoads(graph, costs, roads, grid, got, T);
          rasterizePieces(graph, costs, own, grid, got, T);
          expect(roads.count).toBe(0);
          // the old sampled walk of the same pieces, for comparison
          const pieces = createPieces();
          for (const s of segs) {
            if (ta[s] < Infinity) addPiece(pieces, s, 0, true, ta[s]);
            if (tb[s] < Infinity) addPiece(pieces, s, 1, false, tb[s]);
          }
          const sampled = new Float32Array(cells).fill(Infinity);
          rasterizePieces(graph, costs, pieces, grid, sampled, T);
          rasterizePieces(graph, costs, own, grid, sampled, T);
          paths[segs.length * 8 > graph.segmentCount ? 'many' : 'few']++;
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

describe('fillSaddles', () => {
  /** Blocks of 2×2 cells whose filled cells meet only at their corner. */
  function saddles(mask: Uint8Array, W: number, H: number): number {
    let n = 0;
    for (let j = 1; j < H; j++)
      for (let i = 1; i < W; i++) {
        const [bl, br, tl, tr] = [
          mask[(j - 1) * W + i - 1],
          mask[(j - 1) * W + i],
          mask[j * W + i - 1],
          mask[j * W + i],
        ];
        if ((bl && tr && !br && !tl) || (br && tl && !bl && !tr)) n++;
      }
    return n;
  }

  it('leaves no cells meeting only at a corner, only filling cells, on random masks', () => {
    const rand = mulberry32(11);
    let filledAll = 0;
    for (let trial = 0; trial < 300; trial++) {
      const W = 2 + Math.floor(rand() * 40);
      const H = 2 + Math.floor(rand() * 30);
      const density = 0.2 + 0.6 * rand();
      const mask = new Uint8Array(W * H).map(() => (rand() < density ? 1 : 0));
      const time = new Float32Array(W * H).map(() => rand() * 100);
      const before = mask.slice();
      const filled = fillSaddles(mask, W, H, trial % 2 ? time : undefined);
      filledAll += filled;
      let added = 0;
      let emptied = 0;
      for (let c = 0; c < W * H; c++) {
        if (mask[c] < before[c]) emptied++;
        added += mask[c] - before[c];
      }
      const got = { trial, added, emptied, left: saddles(mask, W, H) };
      expect(got).toEqual({ trial, added: filled, emptied: 0, left: 0 });
    }
    expect(filledAll).toBeGreaterThan(300);
  });

  it('fills the empty cell of a saddle reached sooner', () => {
    // bottom-left and top-right filled; of bottom-right (1) and top-left (2), 2 is sooner
    const mask = Uint8Array.from([1, 0, 0, 1]);
    const time = Float32Array.from([0, 30, 20, 0]);
    expect(fillSaddles(mask, 2, 2, time)).toBe(1);
    expect(Array.from(mask)).toEqual([1, 0, 1, 1]);
    const other = Uint8Array.from([0, 1, 1, 0]);
    expect(fillSaddles(other, 2, 2, Float32Array.from([9, 0, 0, 5]))).toBe(1);
    expect(Array.from(other)).toEqual([0, 1, 1, 1]);
  });
});
