import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  buildRoadGraph,
  generateCity,
  importGeoJsonRoads,
  isochrones,
  importOsmXml,
  snapPoint,
  type RoadGraph,
} from '@ringcad/routing';
import { RoutingThread } from './routing-thread';
import { SNAP_LAG_M, SNAP_LAG_MS, UnitSnaps } from './unit-snaps';

const DATA_DIR =
  process.env.SHARED_DATA_DIR ?? path.resolve(__dirname, '../../../../../shared/data');

/**
 * Positions snapped ahead in the routing thread are exactly what snapping them here gives (the
 * hard synthetic city and both real cities); a newer fix of the same unit takes the kept snap
 * only a moment later and a few metres away, anything else is snapped on the spot.
 */
describe('the routing thread: unit snaps made ahead, isochrones', () => {
  let hard: RoadGraph | undefined;
  const cities: [string, () => RoadGraph][] = [
    [
      'hard synthetic city',
      () =>
        (hard ??= buildRoadGraph(
          importGeoJsonRoads(generateCity({ seed: 3, targetNodes: 20_000, hard: true }).roads),
        )),
    ],
    [
      'chengdu-osm',
      () =>
        buildRoadGraph(
          importOsmXml(fs.readFileSync(path.join(DATA_DIR, 'chengdu-center-2018.osm'))),
        ),
    ],
    [
      'shenzhen-futian',
      () =>
        buildRoadGraph(
          importGeoJsonRoads(
            JSON.parse(
              fs.readFileSync(path.join(DATA_DIR, 'shenzhen-futian-roads.geojson'), 'utf8'),
            ),
          ),
        ),
    ],
  ];
  const thread = new RoutingThread();
  afterAll(() => thread.close());

  const until = async (what: string, ok: () => boolean) => {
    const end = Date.now() + 20_000;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it.each(cities)('%s: the thread snaps exactly as snapping here', async (_name, load) => {
    const graph = load();
    const s = new UnitSnaps(thread);
    let state = 11;
    const rand = () => (state = (state * 48271) % 2147483647) / 2147483647;
    // near nodes, off the road by up to ~100 m, and some far outside the city (no snap)
    const fixes = Array.from(
      { length: 600 },
      (_, i): [string, { lon: number; lat: number; atMs: number }] => {
        const v = Math.floor(rand() * graph.nodeCount);
        const far = i % 50 === 0 ? 1 : 0;
        return [
          `u${i}`,
          {
            lon: graph.nodeLon[v] + (rand() - 0.5) * 2e-3 + far,
            lat: graph.nodeLat[v] + (rand() - 0.5) * 2e-3,
            atMs: 1_000_000 + i,
          },
        ];
      },
    );
    s.ahead(graph, fixes);
    await until('the thread', () => s.counts.fromThread === fixes.length);
    const here = fixes.map(([, f]) => snapPoint(graph, f, { role: 'origin' }));
    const kept = fixes.map(([id, f]) => s.get(graph, id, f.lon, f.lat, f.atMs));
    expect(kept).toEqual(here);
    expect(here.filter((x) => x === null).length).toBeGreaterThanOrEqual(12);
    expect(s.counts).toEqual({ onTheSpot: 0, ahead: fixes.length, fromThread: fixes.length });
  });

  it('serves another fix a moment apart and a few metres away; snaps the rest on the spot', async () => {
    const graph = cities[0][1]();
    const s = new UnitSnaps(thread);
    const v = Math.floor(graph.nodeCount / 2);
    const p = { lon: graph.nodeLon[v] + 1e-4, lat: graph.nodeLat[v] };
    const t = 5_000_000;
    s.ahead(graph, [['u', { ...p, atMs: t }]]);
    await until('the thread', () => s.counts.fromThread === 1);
    const first = s.get(graph, 'u', p.lon, p.lat, t);
    expect(first).toEqual(snapPoint(graph, p, { role: 'origin' }));
    // ~11 m east, one second later: the kept snap
    const near = { lon: p.lon + 1e-4, lat: p.lat };
    expect(s.get(graph, 'u', near.lon, near.lat, t + 1000)).toBe(first);
    // and an older one (a desk's copy of the fleet a moment behind its snaps)
    expect(s.get(graph, 'u', near.lon, near.lat, t - 1000)).toBe(first);
    expect(s.counts.onTheSpot).toBe(0);
    // too late, too early, too far, or no time given: snapped on the spot
    const cases: [number, number, number | undefined][] = [
      [near.lon, near.lat, t + SNAP_LAG_MS + 1],
      [near.lon, near.lat, t - SNAP_LAG_MS - 1],
      [p.lon + (SNAP_LAG_M * 3) / 1e5, p.lat, t + 500],
      [near.lon, near.lat, undefined],
    ];
    for (const [lon, lat, atMs] of cases) {
      const fresh = new UnitSnaps(thread);
      fresh.ahead(graph, [['u', { ...p, atMs: t }]]);
      await until('the thread', () => fresh.counts.fromThread === 1);
      expect(fresh.get(graph, 'u', lon, lat, atMs)).toEqual(
        snapPoint(graph, { lon, lat }, { role: 'origin' }),
      );
      expect(fresh.counts.onTheSpot).toBe(1);
    }
  });

  it('keeps a newer fix snapped on the spot over an older one the thread answers later', async () => {
    const graph = cities[0][1]();
    const s = new UnitSnaps(thread);
    const a = { lon: graph.nodeLon[10], lat: graph.nodeLat[10] };
    const b = { lon: graph.nodeLon[5000], lat: graph.nodeLat[5000] };
    s.ahead(graph, [['u', { ...a, atMs: 100 }]]);
    // before the thread answers, a newer fix far away is asked for
    const onSpot = s.get(graph, 'u', b.lon, b.lat, 200);
    await until('the thread', () => s.counts.fromThread === 1);
    expect(s.get(graph, 'u', b.lon, b.lat, 200)).toBe(onSpot);
    expect(s.counts.onTheSpot).toBe(1);
  });

  it('draws the isochrones drawn here, on each city in turn, as JSON bytes (gzipped if asked)', async () => {
    const at = new Date('2026-12-06T02:00:00Z');
    for (const [, load] of [...cities, cities[0]]) {
      const graph = load();
      const v = Math.floor(graph.nodeCount / 3);
      const p = { lon: graph.nodeLon[v], lat: graph.nodeLat[v] };
      for (const direction of ['to', 'from'] as const) {
        const here = JSON.stringify(isochrones(graph, p, [1, 3, 8], { direction, at }));
        const q = { ...p, minutes: [1, 3, 8], direction, at };
        const plain = await thread.isochrones(graph, { ...q, gzip: false });
        expect(Buffer.from(plain.bytes).toString('utf8')).toBe(here);
        // a second ask is the set kept there, compressed this time
        const gz = await thread.isochrones(graph, { ...q, gzip: true });
        expect(gunzipSync(gz.bytes).toString('utf8')).toBe(here);
        expect(gz.kept).toBe(true);
      }
    }
  });
  it('keeps a set drawn ahead for the ask that follows, answering nothing itself', async () => {
    const graph = cities[0][1]();
    const v = Math.floor(graph.nodeCount / 4);
    const q = {
      lon: graph.nodeLon[v],
      lat: graph.nodeLat[v],
      minutes: [2, 4],
      direction: 'to' as const,
      at: new Date('2026-12-07T02:00:00Z'),
      gzip: true,
    };
    await expect(thread.drawAhead(graph, q)).resolves.toBeUndefined();
    const asked = await thread.isochrones(graph, q);
    expect(asked.kept).toBe(true);
    expect(gunzipSync(asked.bytes).toString('utf8')).toBe(
      JSON.stringify(isochrones(graph, q, q.minutes, { direction: 'to', at: q.at })),
    );
  });

  it('answers an ask before the draws ahead queued earlier, and a new graph in its place', async () => {
    const graph = cities[0][1]();
    const at = new Date('2026-12-07T03:00:00Z');
    const point = (k: number) => {
      const v = Math.floor((graph.nodeCount * k) / 9);
      return { lon: graph.nodeLon[v], lat: graph.nodeLat[v] };
    };
    const done: string[] = [];
    const track = (name: string, p: Promise<unknown>) => p.then(() => done.push(name));
    // five heavy sets drawn ahead, then a console's ask, all sent before the thread starts
    const aheads = [1, 2, 3, 4, 5].map((k) =>
      track(
        `ahead${k}`,
        thread.drawAhead(graph, {
          ...point(k),
          minutes: [5, 10, 30],
          direction: 'to',
          at,
          gzip: true,
        }),
      ),
    );
    const ask = track(
      'ask',
      thread.isochrones(graph, {
        ...point(7),
        minutes: [5, 10, 30],
        direction: 'to',
        at,
        gzip: true,
      }),
    );
    await Promise.all([...aheads, ask]);
    // at most the one draw under way when it came in goes before it
    expect(done.indexOf('ask')).toBeLessThanOrEqual(1);
    expect(done.filter((d) => d !== 'ask')).toEqual([
      'ahead1',
      'ahead2',
      'ahead3',
      'ahead4',
      'ahead5',
    ]);

    // a new graph is never overtaken: an ask sent after it reads it, one sent before reads the old
    const other = cities[1][1]();
    const q = (g: RoadGraph) => {
      const v = Math.floor(g.nodeCount / 2);
      return {
        lon: g.nodeLon[v],
        lat: g.nodeLat[v],
        minutes: [3],
        direction: 'to' as const,
        at,
        gzip: false,
      };
    };
    const slow = thread.drawAhead(graph, {
      ...point(8),
      minutes: [6, 12, 25],
      direction: 'to',
      at,
      gzip: true,
    });
    const before = thread.isochrones(graph, q(graph));
    const after = thread.isochrones(other, q(other));
    await slow;
    expect(Buffer.from((await before).bytes).toString('utf8')).toBe(
      JSON.stringify(isochrones(graph, q(graph), [3], { direction: 'to', at })),
    );
    expect(Buffer.from((await after).bytes).toString('utf8')).toBe(
      JSON.stringify(isochrones(other, q(other), [3], { direction: 'to', at })),
    );
  });
});
