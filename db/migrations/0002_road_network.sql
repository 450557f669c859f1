-- The loaded road network. The serialized graph makes start-up fast; the edges make the network
-- usable from SQL (pgRouting-style costs in seconds, -1 where a direction is not allowed).
CREATE TABLE road_networks (
  id serial PRIMARY KEY,
  source text NOT NULL,
  format text NOT NULL,
  imported_at timestamptz NOT NULL,
  nodes integer NOT NULL,
  segments integer NOT NULL,
  edges integer NOT NULL,
  bbox double precision[] NOT NULL,
  stats jsonb NOT NULL,
  graph bytea NOT NULL,
  active boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX road_networks_one_active ON road_networks (active) WHERE active;

CREATE TABLE road_edges (
  network_id integer NOT NULL REFERENCES road_networks(id) ON DELETE CASCADE,
  id integer NOT NULL,
  source integer NOT NULL,
  target integer NOT NULL,
  class text NOT NULL,
  name text,
  length_m double precision NOT NULL,
  speed_kmh real NOT NULL,
  cost_s double precision NOT NULL,
  reverse_cost_s double precision NOT NULL,
  geom geometry(LineString, 4326) NOT NULL,
  PRIMARY KEY (network_id, id)
);
CREATE INDEX road_edges_geom_gix ON road_edges USING gist (geom);
