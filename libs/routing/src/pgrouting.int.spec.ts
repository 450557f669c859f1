import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { multiSourceTimes } from './eta';
import { importGeoJsonRoads } from './geojson-import';
import { importOsmXml } from './osm-xml-import';
import { pgRoutingEdgeRows } from './pgrouting-export';
import { buildRoadGraph, type RoadGraph } from './road-graph';
import { mulberry32 } from './synthetic-city';

/**
 * Reference check against pgRouting (services mode only): our shortest travel times must equal
 * pgr_dijkstra's on the real Chengdu and Shenzhen networks.
 */
const DATA_DIR = process.env.SHARED_DATA_DIR ?? path.resolve(__dirname, '../../../../shared/data');
const DATABASE_URL = process.env.DATABASE_URL;
const haveData = fs.existsSync(path.join(DATA_DIR, 'chengdu-center-2018.osm'));
const reason = !DATABASE_URL
  ? 'DATABASE_URL is not set'
  : !haveData
    ? `no shared data at ${DATA_DIR}`
    : null;
if (reason) console.warn(`pgRouting reference check skipped: ${reason}`);

const rng = mulberry32;

(reason ? describe.skip : describe)('shortest travel times equal pgr_dijkstra', () => {
  let client: Client;
  const tables: string[] = [];

  beforeAll(async () => {
    client = new Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query('CREATE EXTENSION IF NOT EXISTS postgis');
    await client.query('CREATE EXTENSION IF NOT EXISTS pgrouting');
  });

  afterAll(async () => {
    for (const t of tables) await client.query(`DROP TABLE IF EXISTS ${t}`);
    await client.end();
  });

  async function load(graph: RoadGraph, name: string): Promise<string> {
    const table = `routing_ref_${name}_${process.pid}_${Date.now().toString(36)}`;
    tables.push(table);
    await client.query(
      `CREATE TABLE ${table} (id bigint PRIMARY KEY, source bigint, target bigint, cost float8, reverse_cost float8)`,
    );
    const r = pgRoutingEdgeRows(graph);
    await client.query(
      `INSERT INTO ${table} SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::float8[], $5::float8[])`,
      [r.id, r.source, r.target, r.cost, r.reverseCost],
    );
    return table;
  }

  it.each([
    [
      'chengdu',
      (): RoadGraph =>
        buildRoadGraph(
          importOsmXml(fs.readFileSync(path.join(DATA_DIR, 'chengdu-center-2018.osm'))),
        ),
      101,
    ],
    [
      'shenzhen',
      (): RoadGraph =>
        buildRoadGraph(
          importGeoJsonRoads(
            fs.readFileSync(path.join(DATA_DIR, 'shenzhen-futian-roads.geojson')),
            { joinEndpointsWithinM: 20 },
          ),
        ),
      202,
    ],
  ])('%s: 200 random origin/destination pairs within 0.5 s', async (name, build, seed) => {
    const graph = build();
    const table = await load(graph, name);
    const rand = rng(seed);
    const main: number[] = [];
    for (let v = 0; v < graph.nodeCount; v++)
      if (graph.nodeComponent[v] === graph.largestComponent) main.push(v);
    const pairs: [number, number][] = [];
    while (pairs.length < 200) {
      const a = main[Math.floor(rand() * main.length)];
      const b = main[Math.floor(rand() * main.length)];
      if (a !== b) pairs.push([a, b]);
    }
    const ours = pairs.map(
      ([a, b]) =>
        multiSourceTimes(graph, [{ lon: graph.nodeLon[a], lat: graph.nodeLat[a] }], Infinity)
          .nodeSec[b],
    );
    const values = pairs.map(([a, b]) => `(${a + 1},${b + 1})`).join(',');
    const res = await client.query<{ start_vid: string; end_vid: string; agg_cost: number }>(
      `SELECT start_vid, end_vid, agg_cost FROM pgr_dijkstraCost($1, $2, true)`,
      [
        `SELECT id, source, target, cost, reverse_cost FROM ${table}`,
        `SELECT * FROM (VALUES ${values}) AS t(source, target)`,
      ],
    );
    const pg = new Map(
      res.rows.map((r) => [
        `${Number(r.start_vid) - 1}-${Number(r.end_vid) - 1}`,
        Number(r.agg_cost),
      ]),
    );
    let compared = 0;
    let maxDiff = 0;
    pairs.forEach(([a, b], i) => {
      const theirs = pg.get(`${a}-${b}`);
      expect(theirs).toBeDefined(); // both ends in the largest SCC: always reachable
      const diff = Math.abs(ours[i] - theirs!);
      maxDiff = Math.max(maxDiff, diff);
      expect(diff).toBeLessThan(0.5);
      compared++;
    });
    expect(compared).toBe(200);
    console.info(`${name}: 200 pairs, max |ours − pgr_dijkstra| = ${maxDiff.toFixed(4)} s`);
  });
});
