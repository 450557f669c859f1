import { importGeoJsonRoads } from '../geojson-import';
import { buildRoadGraph } from '../road-graph';
import { at, roadLine } from './small-network';

/**
 * Three clusters on one residential line (20 km/h: 36 s per 200 m), joined by 4 km
 * connectors (720 s, far beyond an 80 s tier):
 *   C: x = −4400, −4200, −4000 ── A: x = 0, 200, 400, 600 ── B: x = 4600, 4800, 5000
 */
export const CLUSTER_XS = [-4400, -4200, -4000, 0, 200, 400, 600, 4600, 4800, 5000];
export const clusterGraph = buildRoadGraph(
  importGeoJsonRoads({
    type: 'FeatureCollection',
    features: roadLine(CLUSTER_XS, 0, { highway: 'residential' }),
  }),
);
/** 80 s: 444 m along the line. */
export const CLUSTER_TIER = 80;
export const clusterPlace = (id: string, x: number): { id: string; lon: number; lat: number } => ({
  id,
  ...at(x, 0),
});
export const clusterNode = (x: number): number => {
  const p = at(x, 0);
  const g = clusterGraph;
  for (let v = 0; v < g.nodeCount; v++)
    if (Math.abs(g.nodeLon[v] - p.lon) < 1e-9 && Math.abs(g.nodeLat[v] - p.lat) < 1e-9) return v;
  throw new Error(`no node at x=${x}`);
};
