import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { area, booleanValid } from '@turf/turf';
import { edgeCosts } from './edge-costs';
import { etaToTarget, multiSourceTimes, routeBetween, travelTimesFrom } from './eta';
import { importGeoJsonRoads } from './geojson-import';
import { isochrones } from './isochrone';
import { importOsmPbf, OsmPbfStreamImport } from './osm-pbf-import';
import { importOsmXml } from './osm-xml-import';
import { ROAD_CLASSES } from './road-class';
import { DIR_BACKWARD, DIR_FORWARD, buildRoadGraph, type RoadGraph } from './road-graph';
import { snapPoint } from './snap';
import { mulberry32 } from './synthetic-city';

const DATA_DIR = process.env.SHARED_DATA_DIR ?? path.resolve(__dirname, '../../../../shared/data');
const CHENGDU = path.join(DATA_DIR, 'chengdu-center-2018.osm');
const SHENZHEN = path.join(DATA_DIR, 'shenzhen-futian-roads.geojson');
const TIANFU_SQUARE = { lon: 104.0657, lat: 30.6574 };

const rng = mulberry32;

/** Independent textbook Dijkstra (O(N²), built from the segment list, not the CSR). */
function referenceTimes(graph: RoadGraph, source: number): Float64Array {
  const sec = edgeCosts(graph).segSec;
  const adj: [number, number][][] = Array.from({ length: graph.nodeCount }, () => []);
  for (let s = 0; s < graph.segmentCount; s++) {
    const a = graph.segFrom[s];
    const b = graph.segTo[s];
    if (graph.segDirection[s] & DIR_FORWARD) adj[a].push([b, sec[s]]);
    if (graph.segDirection[s] & DIR_BACKWARD) adj[b].push([a, sec[s]]);
  }
  const dist = new Float64Array(graph.nodeCount).fill(Infinity);
  const done = new Uint8Array(graph.nodeCount);
  dist[source] = 0;
  for (;;) {
    let v = -1;
    for (let i = 0; i < graph.nodeCount; i++)
      if (!done[i] && dist[i] < Infinity && (v < 0 || dist[i] < dist[v])) v = i;
    if (v < 0) return dist;
    done[v] = 1;
    for (const [w, c] of adj[v]) if (dist[v] + c < dist[w]) dist[w] = dist[v] + c;
  }
}

const haveData = fs.existsSync(CHENGDU) && fs.existsSync(SHENZHEN);
if (!haveData)
  console.warn(`real-data specs skipped: no shared data at ${DATA_DIR} (set SHARED_DATA_DIR)`);
const describeData = haveData ? describe : describe.skip;

describeData('Chengdu centre (OSM XML)', () => {
  let graph: RoadGraph;
  beforeAll(() => {
    graph = buildRoadGraph(importOsmXml(fs.readFileSync(CHENGDU)));
  });

  it('imports the drivable network at osm2pgrouting scale', () => {
    const s = graph.stats;
    expect(s.drivableWays).toBe(2081); // data/README.md: 3,820 ways, 2,081 drivable
    // osm2pgrouting: 3,400 vertices / 4,787 edges (its default config keeps a few more classes).
    expect(s.nodes).toBeGreaterThan(3400 * 0.9);
    expect(s.nodes).toBeLessThan(3400 * 1.1);
    expect(s.segments).toBeGreaterThan(4787 * 0.9);
    expect(s.segments).toBeLessThan(4787 * 1.1);
    expect(s.oneWaySegments).toBeGreaterThan(500);
    expect(s.components).toBeGreaterThan(1);
    expect(s.largestComponentNodes / s.nodes).toBeGreaterThan(0.9);
  });

  it('agrees with an independent reference Dijkstra on every node', () => {
    const rand = rng(7);
    const main: number[] = [];
    for (let v = 0; v < graph.nodeCount; v++)
      if (graph.nodeComponent[v] === graph.largestComponent) main.push(v);
    for (let k = 0; k < 4; k++) {
      const src = main[Math.floor(rand() * main.length)];
      const ours = multiSourceTimes(
        graph,
        [{ lon: graph.nodeLon[src], lat: graph.nodeLat[src] }],
        Infinity,
      ).nodeSec;
      const ref = referenceTimes(graph, src);
      let reachable = 0;
      for (let v = 0; v < graph.nodeCount; v++) {
        if (ref[v] === Infinity) expect(ours[v]).toBe(Infinity);
        else {
          reachable++;
          expect(Math.abs(ours[v] - ref[v])).toBeLessThan(0.01);
        }
      }
      expect(reachable).toBeGreaterThanOrEqual(main.length);
    }
  });

  it('many-to-one, one-to-many and drawn routes give the same ETA per unit', () => {
    const rand = rng(11);
    const units = Array.from({ length: 40 }, (_, i) => ({
      id: `u${i}`,
      lon: 104.045 + rand() * 0.08,
      lat: 30.655 + rand() * 0.07,
    }));
    const res = etaToTarget(graph, TIANFU_SQUARE, units, { maxSec: 7200 });
    expect(res.results.length).toBe(40);
    for (let i = 1; i < res.results.length; i++)
      expect(res.results[i].etaSec).toBeGreaterThanOrEqual(res.results[i - 1].etaSec);
    for (const r of res.results.slice(0, 10)) {
      const u = units.find((x) => x.id === r.id)!;
      expect(r.method).toBe('road');
      expect(routeBetween(graph, u, TIANFU_SQUARE)!.etaSec).toBeCloseTo(r.etaSec, 3);
      expect(
        travelTimesFrom(graph, u, [{ id: 't', ...TIANFU_SQUARE }], { maxSec: 7200 }).results[0]
          .etaSec,
      ).toBeCloseTo(r.etaSec, 3);
    }
  });

  it('points on arterials cut off by the extract edge get road ETAs and road rings', () => {
    // Every arterial piece outside the largest component whose middle lies more than 500 m
    // from it: before role-aware snapping these got straight-line circles.
    const arterial = new Set(['trunk', 'primary', 'secondary', 'tertiary']);
    const cut: { lon: number; lat: number }[] = [];
    for (let s = 0; s < graph.segmentCount; s++) {
      const inMain =
        graph.nodeComponent[graph.segFrom[s]] === graph.largestComponent &&
        graph.nodeComponent[graph.segTo[s]] === graph.largestComponent;
      if (inMain || !arterial.has(ROAD_CLASSES[graph.segClass[s]])) continue;
      const g = Math.floor((graph.segGeomStart[s] + graph.segGeomStart[s + 1] - 1) / 2);
      const p = {
        lon: (graph.geomLon[g] + graph.geomLon[g + 1]) / 2,
        lat: (graph.geomLat[g] + graph.geomLat[g + 1]) / 2,
      };
      if (snapPoint(graph, p) === null) cut.push(p);
    }
    expect(cut.length).toBeGreaterThanOrEqual(10);
    const unit = { id: 'u', ...TIANFU_SQUARE };
    let roadEtas = 0;
    let roadRings = 0;
    for (const p of cut) {
      const target = snapPoint(graph, p, { role: 'target' });
      const origin = snapPoint(graph, p, { role: 'origin' });
      // the piece it is on is linked to the city one way or the other
      expect(Math.min(target?.distanceM ?? Infinity, origin?.distanceM ?? Infinity)).toBeLessThan(
        1,
      );
      if (!target) continue;
      const eta = etaToTarget(graph, p, [unit], { maxSec: 7200 }).results[0];
      expect(eta.method).toBe('road');
      roadEtas++;
      const ring = isochrones(graph, p, [5]).features[0];
      expect(ring.properties.method).toBe('road');
      // five minutes back from the carriageway reach into the city, not just along the piece
      expect(area(ring as Parameters<typeof area>[0])).toBeGreaterThan(300_000);
      roadRings++;
    }
    expect(roadEtas).toBeGreaterThanOrEqual(cut.length * 0.6);
    expect(roadRings).toBe(roadEtas);
    // A point 3 km outside the extract is truly unreachable: labelled straight-line fallback.
    const outside = { lon: 103.99, lat: 30.69 };
    expect(etaToTarget(graph, outside, [unit], { maxSec: 7200 }).results[0].method).toBe(
      'straight',
    );
    expect(isochrones(graph, outside, [5]).features[0].properties.method).toBe('straight');
  });

  it('contours the rings between cell times instead of 50 m staircases, same area', () => {
    const smooth = isochrones(graph, TIANFU_SQUARE, [1, 3, 8]);
    const stairs = isochrones(graph, TIANFU_SQUARE, [1, 3, 8], { staircase: true });
    const axisShare = (f: (typeof smooth.features)[number]) => {
      const polys =
        f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
      let all = 0;
      let axis = 0;
      for (const poly of polys)
        for (const ring of poly)
          for (let i = 1; i < ring.length; i++) {
            all++;
            if (ring[i][0] === ring[i - 1][0] || ring[i][1] === ring[i - 1][1]) axis++;
          }
      return axis / all;
    };
    smooth.features.forEach((f, k) => {
      expect(booleanValid(f as Parameters<typeof booleanValid>[0])).toBe(true);
      expect(axisShare(stairs.features[k])).toBe(1);
      expect(axisShare(f)).toBeLessThan(0.6);
      const ratio =
        area(f as Parameters<typeof area>[0]) /
        area(stairs.features[k] as Parameters<typeof area>[0]);
      expect(ratio).toBeGreaterThan(0.85);
      expect(ratio).toBeLessThan(1.1);
    });
  });

  it('draws valid, growing rings around Tianfu Square', () => {
    const fc = isochrones(graph, TIANFU_SQUARE, [1, 3, 8]);
    let prev = 0;
    for (const f of fc.features) {
      expect(f.properties.method).toBe('road');
      expect(booleanValid(f as Parameters<typeof booleanValid>[0])).toBe(true);
      const a = area(f as Parameters<typeof area>[0]);
      expect(a).toBeGreaterThan(prev);
      prev = a;
    }
    // 8 minutes at ≤ 45 km/h cannot cover more than a 6 km-radius disc.
    expect(prev).toBeLessThan(Math.PI * 6000 ** 2);
  });
});

function osmiumAvailable(): boolean {
  try {
    execFileSync('osmium', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Splits a PBF file into its blobs (4-byte length + header + data). */
function pbfBlobs(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const headerLen = buf.readUInt32BE(pos);
    // BlobHeader field 3 (datasize) is the last varint in the header osmium writes.
    const header = buf.subarray(pos + 4, pos + 4 + headerLen);
    let dataSize = 0;
    let i = header.lastIndexOf(0x18) + 1;
    for (let mul = 1; ; mul *= 128) {
      const b = header[i++];
      dataSize += (b & 0x7f) * mul;
      if (b < 0x80) break;
    }
    out.push(buf.subarray(pos, pos + 4 + headerLen + dataSize));
    pos += 4 + headerLen + dataSize;
  }
  return out;
}

const haveOsmium = haveData && osmiumAvailable();
if (haveData && !haveOsmium)
  console.warn(
    'OSM PBF specs skipped: the osmium CLI is not installed (apt-get install osmium-tool)',
  );
(haveOsmium ? describe : describe.skip)('Chengdu centre (OSM PBF made by osmium)', () => {
  let pbf: Buffer;
  let fromXml: RoadGraph;
  beforeAll(() => {
    const out = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'ringcad-pbf-')),
      'chengdu.osm.pbf',
    );
    execFileSync('osmium', ['cat', CHENGDU, '-o', out, '--overwrite']);
    pbf = fs.readFileSync(out);
    fs.rmSync(path.dirname(out), { recursive: true });
    fromXml = buildRoadGraph(importOsmXml(fs.readFileSync(CHENGDU)));
  });

  it('builds the same graph as the XML', () => {
    const g = buildRoadGraph(importOsmPbf(pbf));
    expect({ ...g.stats, format: 'x' }).toEqual({ ...fromXml.stats, format: 'x' });
    expect(g.stats.format).toBe('osm-pbf');
    const units = [{ id: 'a', lon: 104.05, lat: 30.7 }];
    expect(etaToTarget(g, TIANFU_SQUARE, units, { maxSec: 7200 }).results[0].etaSec).toBeCloseTo(
      etaToTarget(fromXml, TIANFU_SQUARE, units, { maxSec: 7200 }).results[0].etaSec,
      4,
    );
  });

  it('streams: the file fed in 64 KiB pieces gives the same graph, one blob in memory at a time', () => {
    const stream = new OsmPbfStreamImport();
    const seen: number[] = [];
    // one reused read buffer, as a file is read
    const chunk = Buffer.alloc(65536);
    for (let at = 0; at < pbf.length; at += chunk.length) {
      const n = pbf.copy(chunk, 0, at, Math.min(pbf.length, at + chunk.length));
      stream.push(chunk.subarray(0, n));
      seen.push(stream.progress.blocks);
    }
    expect(stream.progress.bytesRead).toBe(pbf.length);
    // blocks are decoded as their bytes arrive, not at the end
    expect(seen[Math.floor(seen.length / 2)]).toBeGreaterThan(0);
    expect(seen[Math.floor(seen.length / 2)]).toBeLessThan(stream.progress.blocks);
    const g = buildRoadGraph(stream.finish());
    expect({ ...g.stats, format: 'x' }).toEqual({ ...fromXml.stats, format: 'x' });
    const cut = new OsmPbfStreamImport();
    cut.push(pbf.subarray(0, Math.floor(pbf.length / 2)));
    expect(() => cut.finish()).toThrow(/truncated/);
  });

  it('reads an unsorted PBF (way blocks before node blocks) to the same graph', () => {
    const blobs = pbfBlobs(pbf);
    expect(blobs.length).toBeGreaterThan(2);
    const unsorted = Buffer.concat([blobs[0], ...blobs.slice(1).reverse()]);
    const g = buildRoadGraph(importOsmPbf(unsorted));
    expect(g.stats.segments).toBe(fromXml.stats.segments);
    expect(g.stats.nodes).toBe(fromXml.stats.nodes);
    expect(g.stats.missingRefs).toBe(0);
  });

  it('rejects a truncated PBF', () => {
    expect(() => importOsmPbf(pbf.subarray(0, Math.floor(pbf.length / 2)))).toThrow(
      /truncated|not a valid/,
    );
  });
});

describeData('Shenzhen Futian (GeoJSON)', () => {
  const text = haveData ? fs.readFileSync(SHENZHEN) : Buffer.alloc(0);

  it('filters footways, steps, paths, cycleways and pedestrian streets', () => {
    const fc = JSON.parse(text.toString('utf8')) as {
      features: { properties: { highway: string } }[];
    };
    const walking = fc.features.filter((f) =>
      ['footway', 'steps', 'path', 'cycleway', 'pedestrian'].includes(f.properties.highway),
    ).length;
    const g = buildRoadGraph(importGeoJsonRoads(text));
    expect(walking).toBeGreaterThan(300);
    expect(g.stats.highwayWays).toBe(fc.features.length);
    expect(g.stats.drivableWays).toBe(fc.features.length - walking);
  });

  it('joins the SUMO junction gaps only when asked, and then the network connects', () => {
    const exact = buildRoadGraph(importGeoJsonRoads(text));
    const joined = buildRoadGraph(importGeoJsonRoads(text, { joinEndpointsWithinM: 20 }));
    expect(exact.stats.largestComponentNodes / exact.stats.nodes).toBeLessThan(0.1);
    expect(joined.stats.largestComponentNodes / joined.stats.nodes).toBeGreaterThan(0.85);
    const civic = { lon: 114.0595, lat: 22.5435 }; // 市民中心
    const ring = isochrones(joined, civic, [3]);
    expect(ring.features[0].properties.method).toBe('road');
    expect(area(ring.features[0] as Parameters<typeof area>[0])).toBeGreaterThan(100_000);
  });
});
