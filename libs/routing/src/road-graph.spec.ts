import { at, smallNetwork } from './__fixtures__/small-network';
import { etaToTarget } from './eta';
import { importGeoJsonRoads } from './geojson-import';
import { importOsmPbf } from './osm-pbf-import';
import { importOsmXml } from './osm-xml-import';
import { parseMaxspeedKmh, parseOneway } from './road-class';
import { buildRoadGraph, DIR_BACKWARD, DIR_FORWARD, segmentClass } from './road-graph';
import {
  deserializeRoadGraph,
  openSharedRoadGraph,
  serializeRoadGraph,
  shareRoadGraph,
} from './road-graph-serialize';
import { RoadNetworkImportError } from './road-network-draft';
import { snapPoint } from './snap';

const graph = buildRoadGraph(importGeoJsonRoads(smallNetwork()));

describe('buildRoadGraph on the small town', () => {
  it('keeps intersections as nodes and shape points as geometry', () => {
    // 6×6 grid + the one-way stub's end + the two island nodes; the footbridge is not drivable.
    expect(graph.stats.nodes).toBe(36 + 1 + 2);
    // Rows: 6 × 5 pieces; columns: 6 × 4; bridge, stub, island.
    expect(graph.stats.segments).toBe(30 + 24 + 3);
    expect(graph.stats.drivableWays).toBe(smallNetwork().features.length - 1);
    expect(graph.stats.shapePoints).toBe(graph.stats.segments * 2 + 1); // one zig-zag apex
    // One-way: the 5 tertiary pieces and the stub; everything else both ways.
    expect(graph.stats.oneWaySegments).toBe(6);
    expect(graph.stats.directedEdges).toBe((57 - 6) * 2 + 6);
    expect(graph.names).toEqual(
      expect.arrayContaining(['南大街', '单行路', '曲巷', '唯一桥', '孤岛路']),
    );
    expect(graph.names).not.toContain('人行桥');
  });

  it('reports islands: strongly connected components and the largest', () => {
    // The main grid, the island road, and the one-way stub's dead end (enter, never leave).
    expect(graph.stats.components).toBe(3);
    expect(graph.stats.largestComponentNodes).toBe(36);
    expect(graph.stats.islandNodes).toBe(3);
    expect(graph.stats.otherComponentSizes).toEqual([2, 1]);
  });

  it('snaps only to the largest component by default', () => {
    expect(snapPoint(graph, at(3050, 3010))).toBeNull();
    const island = snapPoint(graph, at(3050, 3010), { component: 'any' });
    expect(island?.distanceM).toBeCloseTo(10, 1);
    expect(graph.names[graph.segName[island!.segment]]).toBe('孤岛路');
  });

  it.each<[[number, number], number, number, number, string]>([
    // [point, expected distance, offset from segment start, fraction, what]
    [[300, 1060], 10, Math.hypot(100, 50), 0.5, 'onto the zig-zag apex shape point'],
    [[500, 430], 30, 100, 0.5, 'mid-block on the south bank'],
    [[-20, 0], 20, 0, 0, 'beyond a dead end: clamps to the end'],
  ])('snaps %j at %d m, %d m along (%s)', (pt, dist, offset, fraction) => {
    const s = snapPoint(graph, at(pt[0], pt[1]))!;
    expect(s).not.toBeNull();
    expect(s.distanceM).toBeCloseTo(dist, 0);
    const along = s.fromNode === s.toNode ? s.offsetM : Math.min(s.offsetM, s.remainingM);
    expect(along).toBeCloseTo(offset, 0);
    expect(Math.min(s.fraction, 1 - s.fraction)).toBeCloseTo(fraction, 2);
    expect(s.secFromStart + s.secToEnd).toBeGreaterThan(0);
  });

  it('projects onto a curved road, not onto the chord between its intersections', () => {
    // Rising leg of the zig-zag: (200,1000) → (300,1050); the chord would be y=1000.
    const s = snapPoint(graph, at(250, 1045))!;
    const ux = 100 / Math.hypot(100, 50);
    const uy = 50 / Math.hypot(100, 50);
    expect(s.offsetM).toBeCloseTo(50 * ux + 45 * uy, 0);
    expect(s.distanceM).toBeCloseTo(Math.abs(50 * uy - 45 * ux), 0);
    expect(s.lat).toBeGreaterThan(at(0, 1020).lat);
  });

  it('gives partial costs to both ends of the snapped segment', () => {
    const s = snapPoint(graph, at(250, 400))!; // residential, 36 s per 200 m piece
    expect(s.direction).toBe(DIR_FORWARD | DIR_BACKWARD);
    expect(Math.min(s.secFromStart, s.secToEnd)).toBeCloseTo(9, 1);
    expect(Math.max(s.secFromStart, s.secToEnd)).toBeCloseTo(27, 1);
    const oneWay = snapPoint(graph, at(250, 200))!;
    expect(oneWay.direction).toBe(DIR_FORWARD);
    expect(segmentClass(graph, oneWay.segment)).toBe('tertiary');
  });

  it('round-trips through serialisation with identical answers', () => {
    const copy = deserializeRoadGraph(serializeRoadGraph(graph));
    expect(copy.stats).toEqual(graph.stats);
    expect(Array.from(copy.fwdTargets)).toEqual(Array.from(graph.fwdTargets));
    const units = [
      { id: 'a', ...at(0, 400) },
      { id: 'b', ...at(1000, 200) },
    ];
    expect(etaToTarget(copy, at(0, 600), units, { maxSec: 999 }).results).toEqual(
      etaToTarget(graph, at(0, 600), units, { maxSec: 999 }).results,
    );
  });

  it('is read in place from a SharedArrayBuffer, with identical answers', () => {
    const buf = shareRoadGraph(graph);
    const shared = openSharedRoadGraph(buf);
    // the stored arrays are views of the shared bytes, not copies
    expect(shared.geomLon.buffer).toBe(buf);
    expect(shared.segFrom.buffer).toBe(buf);
    expect(shared.stats).toEqual(graph.stats);
    expect(Array.from(shared.geomLat)).toEqual(Array.from(graph.geomLat));
    const units = [
      { id: 'a', ...at(0, 400) },
      { id: 'b', ...at(1000, 200) },
    ];
    expect(etaToTarget(shared, at(0, 600), units, { maxSec: 999 }).results).toEqual(
      etaToTarget(graph, at(0, 600), units, { maxSec: 999 }).results,
    );
  });
});

describe('tag rules', () => {
  it.each([
    ['yes', 'residential', undefined, 'forward'],
    ['true', 'residential', undefined, 'forward'],
    ['1', 'residential', undefined, 'forward'],
    ['-1', 'residential', undefined, 'backward'],
    ['no', 'motorway', undefined, 'both'],
    [undefined, 'motorway', undefined, 'forward'],
    [undefined, 'primary', 'roundabout', 'forward'],
    [undefined, 'primary', undefined, 'both'],
  ])('oneway=%s on %s (junction=%s) is %s', (oneway, highway, junction, expected) => {
    expect(parseOneway(oneway, highway, junction)).toBe(expected);
  });

  it.each([
    ['50', 50],
    ['50 km/h', 50],
    ['30 mph', 48.28032],
    ['CN:urban', null],
    ['none', null],
    [undefined, null],
  ])('maxspeed=%s is %p km/h', (value, kmh) => {
    const got = parseMaxspeedKmh(value);
    if (kmh === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(kmh, 4);
  });

  it('oneway=-1 in GeoJSON lets cars drive against the line direction only', () => {
    const fc = smallNetwork();
    const row = fc.features.find((f) => f.properties?.name === '单行路')!;
    row.properties = { ...row.properties, oneway: '-1' };
    const g = buildRoadGraph(importGeoJsonRoads(fc));
    const east = etaToTarget(g, at(1000, 200), [{ id: 'u', ...at(0, 200) }], { maxSec: 999 })
      .results[0];
    const west = etaToTarget(g, at(0, 200), [{ id: 'u', ...at(1000, 200) }], { maxSec: 999 })
      .results[0];
    expect(west.etaSec).toBeCloseTo(120, 1);
    expect(east.etaSec).toBeCloseTo(192, 1);
  });

  it('drops footways, steps, cycleways, paths and pedestrian streets', () => {
    const fc = smallNetwork();
    fc.features = ['footway', 'steps', 'cycleway', 'path', 'pedestrian', 'track', 'bus_stop'].map(
      (highway, i) => ({
        type: 'Feature' as const,
        properties: { highway },
        geometry: {
          type: 'LineString',
          coordinates: [
            [104 + i * 0.01, 30],
            [104 + i * 0.01, 30.01],
          ],
        },
      }),
    );
    expect(() => buildRoadGraph(importGeoJsonRoads(fc))).toThrow(/no drivable roads/);
    expect(buildRoadGraph(importGeoJsonRoads(fc), { includeTrack: true }).stats.segments).toBe(1);
  });
});

describe('malformed or empty input fails with a typed error', () => {
  const cases: [string, () => unknown, string, RegExp][] = [
    ['empty OSM XML', () => importOsmXml(''), 'empty-input', /empty/],
    [
      'HTML instead of OSM',
      () => importOsmXml('<html><body>404</body></html>'),
      'malformed',
      /no <osm> root/,
    ],
    [
      'truncated OSM XML',
      () => importOsmXml('<osm version="0.6"><node id="1" lat="30" lon="104"/>'),
      'malformed',
      /truncated/,
    ],
    [
      'node without coordinates',
      () => importOsmXml('<osm><node id="1" lat="x" lon="104"/></osm>'),
      'malformed',
      /node 1/,
    ],
    [
      'OSM without elements',
      () => importOsmXml('<osm version="0.6"></osm>'),
      'empty-input',
      /no nodes/,
    ],
    [
      'unclosed way',
      () => importOsmXml('<osm><node id="1" lat="30" lon="104"/><way id="2"><nd ref="1"/></osm>'),
      'malformed',
      /way 2/,
    ],
    ['empty PBF', () => importOsmPbf(new Uint8Array(0)), 'empty-input', /empty/],
    [
      'garbage PBF',
      () => importOsmPbf(new TextEncoder().encode('this is not a protobuf file at all')),
      'malformed',
      /osm-pbf/,
    ],
    ['empty GeoJSON text', () => importGeoJsonRoads('  '), 'empty-input', /empty/],
    [
      'broken JSON',
      () => importGeoJsonRoads('{"type": "FeatureCollection", "features": ['),
      'malformed',
      /not valid JSON/,
    ],
    [
      'not a FeatureCollection',
      () => importGeoJsonRoads('{"type": "Feature"}'),
      'malformed',
      /FeatureCollection/,
    ],
    [
      'no features',
      () => importGeoJsonRoads({ type: 'FeatureCollection', features: [] }),
      'empty-input',
      /no features/,
    ],
    [
      'bad position',
      () =>
        importGeoJsonRoads({
          type: 'FeatureCollection',
          features: [
            {
              type: 'Feature',
              properties: { highway: 'primary' },
              geometry: {
                type: 'LineString',
                coordinates: [
                  [104, 30],
                  ['a', 30],
                ],
              },
            },
          ],
        }),
      'malformed',
      /invalid position/,
    ],
    [
      'OSM with only a footway',
      () =>
        buildRoadGraph(
          importOsmXml(
            '<osm><node id="1" lat="30" lon="104"/><node id="2" lat="30.001" lon="104"/><way id="3"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way></osm>',
          ),
        ),
      'no-drivable-roads',
      /no drivable/,
    ],
    [
      'not a serialised graph',
      () => deserializeRoadGraph(new ArrayBuffer(64)),
      'malformed',
      /not a serialised/,
    ],
  ];
  it.each(cases)('%s', (_what, run, code, message) => {
    let error: unknown;
    try {
      run();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RoadNetworkImportError);
    expect((error as RoadNetworkImportError).code).toBe(code);
    expect((error as Error).message).toMatch(message);
  });
});

describe('OSM XML details', () => {
  it('reads elements in any order, decodes entities and splits at missing nodes', () => {
    const xml = `<?xml version="1.0"?><osm version="0.6">
      <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="99"/><nd ref="3"/><nd ref="4"/>
        <tag k="highway" v="residential"/><tag k="name" v="A&amp;B &#x8DEF;"/><tag k='oneway' v='-1'/></way>
      <node id="1" lat="30.000" lon="104.000"/><node id="2" lat="30.001" lon="104.000"/>
      <node id="3" lat="30.002" lon="104.000"/><node id="4" lat="30.003" lon="104.000"><tag k="highway" v="traffic_signals"/></node>
    </osm>`;
    const g = buildRoadGraph(importOsmXml(xml));
    expect(g.stats.missingRefs).toBe(1);
    expect(g.stats.segments).toBe(2); // 1-2 and 3-4, no straight jump over the missing node
    expect(g.names).toEqual(['A&B 路']);
    expect(g.stats.directedEdges).toBe(2);
    expect(g.segDirection[0]).toBe(DIR_BACKWARD);
  });
});
