import {
  buildRoadGraph,
  computeCoverage,
  generateCity,
  importGeoJsonRoads,
  snapPoint,
  suggestMoveUps,
  type CoverageArea,
} from '@ringcad/routing';
import { CoverageThread } from './coverage-thread';

/**
 * The worker thread answers exactly what the same computation in this thread gives: coverage
 * from all units (the live node times built with one search), then again after units moved
 * (folded in there), and move-ups.
 */
describe('the coverage worker thread', () => {
  const city = generateCity({ seed: 5, targetNodes: 20_000, hard: true });
  const graph = buildRoadGraph(importGeoJsonRoads(city.roads));
  const areas: (CoverageArea & { name: string })[] = city.districts.features.map((f) => ({
    id: f.properties.code,
    name: f.properties.name,
    polygon: f.geometry,
  }));
  // a fixed sequence of node picks (Park–Miller), so the test is the same every run; the seed
  // gives a layout with blind spots on the spatially numbered graph (the check needs some)
  let state = 17;
  const rand = (): number => (state = (state * 48271) % 2147483647) / 2147483647;
  const place = (id: string) => {
    const v = Math.floor(rand() * graph.nodeCount);
    const p = { lon: graph.nodeLon[v] + 3e-4, lat: graph.nodeLat[v] - 2e-4 };
    return { id, ...p, snap: snapPoint(graph, p, { role: 'origin' }) };
  };
  const tiersSec = [120, 300, 600];
  const at = new Date('2026-12-05T03:00:00Z');
  const thread = new CoverageThread();
  afterAll(() => thread.close());

  const inThisThread = (units: ReturnType<typeof place>[]) => {
    const r = computeCoverage(graph, units, tiersSec, { areas, at });
    return { tiers: r.tiers, areas: r.areas, blindSpots: r.blindSpots };
  };
  it('gives the coverage computed here, before and after units move', async () => {
    const units = Array.from({ length: 60 }, (_, i) => place(`u${i}`));
    const first = await thread.coverage(graph, {
      key: 'scheme',
      tiersSec,
      sources: units,
      areasKey: 'a',
      areas,
      at,
    });
    expect(first.movedUnitSec).toEqual([]);
    const here = inThisThread(units);
    expect(here.blindSpots.features.length).toBeGreaterThan(0);
    expect({
      tiers: first.result.tiers,
      areas: first.result.areas,
      blindSpots: first.result.blindSpots,
    }).toEqual(here);

    // five units move, two leave, one arrives: folded into the thread's live node times
    const moved = units.slice(0, 58).map((u, i) => (i < 5 ? place(u.id) : u));
    moved.push(place('new'));
    const second = await thread.coverage(graph, {
      key: 'scheme',
      tiersSec,
      sources: moved,
      areasKey: 'a',
      at,
      areas,
    });
    expect(second.movedUnitSec).toHaveLength(8);
    // exactly: the folds add and take away whole micrometres of road, in any order
    expect({
      tiers: second.result.tiers,
      areas: second.result.areas,
      blindSpots: second.result.blindSpots,
    }).toEqual(inThisThread(moved));
  });

  it('gives the move-ups computed here', async () => {
    const units = Array.from({ length: 40 }, (_, i) => place(`u${i}`));
    const standbyPoints = Array.from({ length: 30 }, (_, i) => {
      const { id, lon, lat } = place(`p${i}`);
      return { id, lon, lat };
    });
    const there = await thread.moveUps(graph, {
      units,
      standbyPoints,
      tierSec: 240,
      maxMoves: 3,
      at,
    });
    expect(there.length).toBeGreaterThan(0);
    expect(there).toEqual(
      suggestMoveUps(graph, { units, standbyPoints, tierSec: 240, maxMoves: 3, at }),
    );
  });

  it('gives the move-ups computed here when it takes the nearest units from live coverage', async () => {
    let units = Array.from({ length: 40 }, (_, i) => place(`m${i}`));
    const standbyPoints = Array.from({ length: 30 }, (_, i) => {
      const { id, lon, lat } = place(`q${i}`);
      return { id, lon, lat };
    });
    const coverage = { key: 'move-ups', tiersSec };
    const ask = () =>
      thread.moveUps(graph, { units, standbyPoints, tierSec: 240, maxMoves: 3, at, coverage });
    const here = () =>
      suggestMoveUps(graph, { units, standbyPoints, tierSec: 240, maxMoves: 3, at });
    // no live coverage kept for the key yet: the thread searches itself
    expect(await ask()).toEqual(here());
    for (let round = 0; round < 3; round++) {
      // every unit moved; a push computes the coverage, then (round 1) three more move
      units = units.map((u) => place(u.id));
      const sources = units;
      await thread.coverage(graph, {
        key: 'move-ups',
        tiersSec,
        sources,
        areasKey: 'm',
        areas,
        at,
      });
      if (round === 1) units = units.map((u, k) => (k < 3 ? place(u.id) : u));
      const there = await ask();
      expect(there.length).toBeGreaterThan(0);
      expect(there).toEqual(here());
      if (round !== 1) continue;
      // the three units the move-ups folded into the live times are counted by the next push
      const pushed = await thread.coverage(graph, {
        key: 'move-ups',
        tiersSec,
        sources: units,
        areasKey: 'm',
        areas,
        at,
      });
      expect(pushed.movedUnitSec).toEqual([]);
      expect({
        tiers: pushed.result.tiers,
        areas: pushed.result.areas,
        blindSpots: pushed.result.blindSpots,
      }).toEqual(inThisThread(units));
    }
  });

  it('a failing request is reported, and the thread goes on answering', async () => {
    await expect(
      thread.moveUps(graph, { units: [], standbyPoints: [], tierSec: -1, maxMoves: 1, at }),
    ).rejects.toThrow(/tierSec/);
    const units = Array.from({ length: 10 }, (_, i) => place(`u${i}`));
    const r = await thread.moveUps(graph, {
      units,
      standbyPoints: [],
      tierSec: 60,
      maxMoves: 1,
      at,
    });
    expect(r).toEqual([]);
  });
});
