import type { Client } from 'pg';
import { pgRoutingEdgeRows } from '../../libs/routing/src/pgrouting-export';
import type { RoadGraph } from '../../libs/routing/src/road-graph';

/**
 * Loads a graph's segments into a fresh table (id, source, target, cost, reverse_cost in
 * seconds) for pgRouting. Returns the table name; the caller drops it.
 */
export async function loadRoadTable(
  client: Client,
  graph: RoadGraph,
  prefix: string,
): Promise<string> {
  const table = `${prefix}_${process.pid}_${Date.now().toString(36)}`;
  await client.query(
    `CREATE TABLE ${table} (id bigint PRIMARY KEY, source bigint NOT NULL, target bigint NOT NULL, cost float8 NOT NULL, reverse_cost float8 NOT NULL)`,
  );
  const rows = pgRoutingEdgeRows(graph);
  const CHUNK = 100_000;
  for (let i = 0; i < rows.id.length; i += CHUNK) {
    await client.query(
      `INSERT INTO ${table} SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::float8[], $5::float8[])`,
      [
        rows.id.slice(i, i + CHUNK),
        rows.source.slice(i, i + CHUNK),
        rows.target.slice(i, i + CHUNK),
        rows.cost.slice(i, i + CHUNK),
        rows.reverseCost.slice(i, i + CHUNK),
      ],
    );
  }
  await client.query(`ANALYZE ${table}`);
  return table;
}

/** Whether the database has (or can create) the pgRouting extension. */
export async function ensurePgRouting(client: Client): Promise<boolean> {
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS postgis');
    await client.query('CREATE EXTENSION IF NOT EXISTS pgrouting');
    return true;
  } catch {
    return false;
  }
}
