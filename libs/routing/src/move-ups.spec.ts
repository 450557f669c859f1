import {
  CLUSTER_TIER,
  CLUSTER_XS,
  clusterGraph,
  clusterNode,
  clusterPlace,
} from './__fixtures__/three-clusters';
import { bruteForceMoveUps } from './__fixtures__/move-ups-brute-force';
import { at } from './__fixtures__/small-network';
import { multiSourceTimes } from './eta';
import { importGeoJsonRoads } from './geojson-import';
import { roadLengthDemand, suggestMoveUps, type MoveUp } from './move-ups';
import { buildRoadGraph, type RoadGraph } from './road-graph';
import { generateCity } from './synthetic-city';

const XS = CLUSTER_XS;
const graph = clusterGraph;
const TIER = CLUSTER_TIER;
const place = clusterPlace;
const nodeAt = clusterNode;

describe('suggestMoveUps on three clusters', () => {
  it('sends the unit whose departure loses least; the gain is the empty cluster’s demand', () => {
    // u0 at x=0 covers 0, 200, 400; u1 at x=300 covers 0…600, alone in covering node 600.
    const moves = suggestMoveUps(graph, {
      units: [place('u1', 300), place('u0', 0)],
      standbyPoints: [place('sbB', 4800)],
      tierSec: TIER,
    });
    // Default demand = half of each incident segment: B holds 2000 + 100 + 200 + 100 m of the
    // 9,400 m network (node 4600 carries half of the connector from A); before the move A's
    // 4,600 are covered.
    const total = 9400;
    expect(moves).toEqual<MoveUp[]>([
      {
        unitId: 'u0',
        from: at(0, 0),
        to: { standbyPointId: 'sbB', ...at(4800, 0) },
        gainPct: expect.closeTo((100 * 2400) / total, 3),
        coveredPct: expect.closeTo((100 * (4600 + 2400)) / total, 3),
      },
    ]);
  });

  it('applies moves in turn: distinct units and points, gains after the earlier moves', () => {
    const demand = new Float32Array(graph.nodeCount);
    for (const x of XS) demand[nodeAt(x)] = x >= 4600 ? 2 : 1; // B: 6, A: 4, C: 3 of 13
    const units = [place('u0', 0), place('u1', 300), place('u2', 200)];
    const standbyPoints = [place('sbC', -4200), place('sbB', 4800)];
    const moves = suggestMoveUps(graph, { units, standbyPoints, tierSec: TIER, demand });
    // u2 alone covers all of A, so the first two units (all losses 0) go.
    expect(moves.map((m) => [m.unitId, m.to.standbyPointId])).toEqual([
      ['u0', 'sbB'],
      ['u1', 'sbC'],
    ]);
    expect(moves.map((m) => m.gainPct)).toEqual([
      expect.closeTo((100 * 6) / 13, 6),
      expect.closeTo((100 * 3) / 13, 6),
    ]);
    expect(moves[1].coveredPct).toBeCloseTo(100, 6);
    expect(
      suggestMoveUps(graph, { units, standbyPoints, tierSec: TIER, demand, maxMoves: 1 }),
    ).toHaveLength(1);
    // A threshold above the second gain keeps only the first move.
    expect(
      suggestMoveUps(graph, { units, standbyPoints, tierSec: TIER, demand, minGainPct: 30 }),
    ).toHaveLength(1);
  });

  it.each<[string, string[], number[]]>([
    ['a standby point inside the covered cluster', ['u0', 'u1'], [100]],
    ['a standby point where a unit already stands', ['u0'], [0]],
    ['no standby points', ['u0', 'u1'], []],
  ])('suggests nothing when no move helps: %s', (_why, unitIds, standbyXs) => {
    const xs: Record<string, number> = { u0: 0, u1: 300 };
    expect(
      suggestMoveUps(graph, {
        units: unitIds.map((id) => place(id, xs[id])),
        standbyPoints: standbyXs.map((x, k) => place(`sb${k}`, x)),
        tierSec: TIER,
      }),
    ).toEqual([]);
  });

  it('a unit that would leave its cluster uncovered is not sent', () => {
    // Only u0 in A: moving it to B gains B but loses all of A (more demand).
    const demand = new Float32Array(graph.nodeCount);
    for (const x of XS) demand[nodeAt(x)] = x >= 4600 ? 1 : x >= 0 ? 2 : 0;
    expect(
      suggestMoveUps(graph, {
        units: [place('u0', 200)],
        standbyPoints: [place('sbB', 4800)],
        tierSec: TIER,
        demand,
      }),
    ).toEqual([]);
  });

  it('rejects bad options', () => {
    const base = { units: [], standbyPoints: [], tierSec: 60 };
    expect(() => suggestMoveUps(graph, { ...base, tierSec: -1 })).toThrow(RangeError);
    expect(() => suggestMoveUps(graph, { ...base, maxMoves: 1.5 })).toThrow(RangeError);
    expect(() => suggestMoveUps(graph, { ...base, demand: new Float32Array(3) })).toThrow(
      RangeError,
    );
  });
});

describe('suggestMoveUps against brute force on the synthetic city', () => {
  const city = generateCity({ seed: 3, targetNodes: 1500 });
  const g: RoadGraph = buildRoadGraph(importGeoJsonRoads(city.roads));
  const tier = 120;
  // Nodes of the main component, in index order (the generator numbers them row by row).
  const main = [...Array(g.nodeCount).keys()].filter(
    (v) => g.nodeComponent[v] === g.largestComponent,
  );
  const nodePoint = (id: string, v: number): { id: string; lon: number; lat: number } => ({
    id,
    lon: g.nodeLon[v],
    lat: g.nodeLat[v],
  });
  // Twelve units crowd the southern rows; ten standby points spread over the city.
  const units = Array.from({ length: 12 }, (_, k) => nodePoint(`u${k}`, main[k * 17]));
  const standbyPoints = Array.from({ length: 10 }, (_, k) =>
    nodePoint(`p${k}`, main[Math.floor(((k + 0.5) * main.length) / 10)]),
  );
  const demand = roadLengthDemand(g);
  const total = demand.reduce((s, d) => s + d, 0);
  const coverOf = (p: { lon: number; lat: number }): number[] => {
    const t = multiSourceTimes(g, [p], tier).nodeSec;
    return [...t.keys()].filter((v) => t[v] <= tier);
  };
  const unitCover = units.map(coverOf);
  const standbyCover = standbyPoints.map(coverOf);
  it('each suggested move is the best single move given the earlier ones, with its exact gain', () => {
    expect(standbyPoints.length).toBeGreaterThan(3);
    const moves = suggestMoveUps(g, { units, standbyPoints, tierSec: tier, maxMoves: 3 });
    expect(moves).toHaveLength(3);
    const checked = bruteForceMoveUps(
      moves,
      units.map((u) => u.id),
      standbyPoints.map((p) => p.id),
      unitCover,
      standbyCover,
      demand,
      g.nodeCount,
    );
    moves.forEach((m, k) => {
      expect(checked[k].reuses).toBe(false);
      expect(m.gainPct).toBeCloseTo((100 * checked[k].gain) / total, 6);
      expect(m.gainPct).toBeCloseTo((100 * checked[k].best) / total, 6);
      expect(m.coveredPct).toBeCloseTo((100 * checked[k].covered) / total, 6);
    });
  });
});
