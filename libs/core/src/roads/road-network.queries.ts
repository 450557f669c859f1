import { sql, type Selectable } from 'kysely';
import type { DB, DbOrTx, Tx } from '@ringcad/db';

// Arbitrary constant: the advisory lock that serialises road network imports across processes.
const IMPORT_LOCK_KEY = 7110111;

export type RoadNetworkRow = Omit<Selectable<DB['road_networks']>, 'active'>;
export type RoadNetworkSummaryRow = Omit<RoadNetworkRow, 'graph'>;

/** The road segments of a network, column by column (one INSERT … SELECT FROM unnest per chunk). */
export interface EdgeColumns {
  id: number[];
  source: number[];
  target: number[];
  cls: string[];
  name: (string | null)[];
  len: number[];
  speed: number[];
  cost: number[];
  rcost: number[];
  wkt: string[];
}

export async function activeNetworkId(db: DbOrTx): Promise<number | undefined> {
  const row = await sql<
    Pick<Selectable<DB['road_networks']>, 'id'>
  >`SELECT id FROM road_networks WHERE active`.execute(db);
  return row.rows[0]?.id;
}

export async function roadNetworkById(db: DbOrTx, id: number): Promise<RoadNetworkRow | undefined> {
  const full = await sql<RoadNetworkRow>`
      SELECT id, source, format, imported_at, nodes, segments, edges, bbox, stats, graph FROM road_networks WHERE id = ${id}`.execute(
    db,
  );
  return full.rows[0];
}

/** Waits for any other import to commit (held until this transaction ends). */
export async function lockRoadImports(tx: Tx): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${IMPORT_LOCK_KEY})`.execute(tx);
}

/** A new, not yet active network; returns its id. */
export async function insertRoadNetwork(
  tx: Tx,
  n: Omit<RoadNetworkRow, 'id' | 'stats'> & { stats: unknown },
): Promise<number> {
  const inserted = await sql<Pick<Selectable<DB['road_networks']>, 'id'>>`
        INSERT INTO road_networks (source, format, imported_at, nodes, segments, edges, bbox, stats, graph, active)
        VALUES (${n.source}, ${n.format}, ${n.imported_at}, ${n.nodes}, ${n.segments}, ${n.edges},
                ${n.bbox}::float8[], ${JSON.stringify(n.stats)}::jsonb, ${n.graph}, false)
        RETURNING id`.execute(tx);
  return inserted.rows[0].id;
}

export async function insertRoadEdges(tx: Tx, networkId: number, cols: EdgeColumns): Promise<void> {
  await sql`
          INSERT INTO road_edges (network_id, id, source, target, class, name, length_m, speed_kmh, cost_s, reverse_cost_s, geom)
          SELECT ${networkId}, e.id, e.source, e.target, e.class, e.name, e.len, e.speed, e.cost, e.rcost, ST_GeomFromText(e.wkt, 4326)
          FROM unnest(${cols.id}::int[], ${cols.source}::int[], ${cols.target}::int[], ${cols.cls}::text[], ${cols.name}::text[],
                      ${cols.len}::float8[], ${cols.speed}::real[], ${cols.cost}::float8[], ${cols.rcost}::float8[], ${cols.wkt}::text[])
               AS e(id, source, target, class, name, len, speed, cost, rcost, wkt)`.execute(tx);
}

/** Makes the network the active one and drops the others. */
export async function activateRoadNetwork(tx: Tx, networkId: number): Promise<void> {
  await sql`UPDATE road_networks SET active = false WHERE active`.execute(tx);
  await sql`UPDATE road_networks SET active = true WHERE id = ${networkId}`.execute(tx);
  // keep the previous network for reference only while nothing depends on it
  await sql`DELETE FROM road_networks WHERE NOT active`.execute(tx);
}

/** The active network's streets of one class group in a box, each merged into lines (GeoJSON, 5 decimals). */
export async function streetLines(
  db: DbOrTx,
  bbox: [number, number, number, number],
  minorClasses: readonly string[],
  minor: boolean,
) {
  const [w, s, e, n] = bbox;
  const rows = await sql<Pick<Selectable<DB['road_edges']>, 'class' | 'name'> & { geom: string }>`
      SELECT e.class, e.name, ST_AsGeoJSON(ST_LineMerge(ST_Collect(e.geom)), 5) AS geom
      FROM road_edges e JOIN road_networks n ON n.id = e.network_id AND n.active
      WHERE e.geom && ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326)
        AND (e.class = ANY(${[...minorClasses]}::text[])) = ${minor}
      GROUP BY e.class, e.name
      ORDER BY e.class, e.name`.execute(db);
  return rows.rows;
}

/** The active network's segments in a box (GeoJSON, 6 decimals). */
export async function roadSegments(
  db: DbOrTx,
  bbox: [number, number, number, number],
  limit: number,
) {
  const [w, s, e, n] = bbox;
  const rows = await sql<
    Pick<Selectable<DB['road_edges']>, 'id' | 'class' | 'name'> & { oneway: boolean; geom: string }
  >`
      SELECT e.id, e.class, e.name, (e.reverse_cost_s < 0) AS oneway, ST_AsGeoJSON(e.geom, 6) AS geom
      FROM road_edges e JOIN road_networks n ON n.id = e.network_id AND n.active
      WHERE e.geom && ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326)
      LIMIT ${limit}`.execute(db);
  return rows.rows;
}
