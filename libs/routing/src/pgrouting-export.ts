import { edgeCosts } from './edge-costs';
import { DIR_BACKWARD, DIR_FORWARD, type RoadGraph } from './road-graph';
import type { SpeedProfile } from './speed-profile';

/** Column arrays for a pgRouting edge table; node ids are graph node index + 1. */
export interface PgRoutingEdgeRows {
  id: number[];
  source: number[];
  target: number[];
  /** Seconds source→target, -1 where one-way forbids (pgRouting's convention). */
  cost: number[];
  reverseCost: number[];
}

/**
 * The graph as pgRouting edge rows (id, source, target, cost, reverse_cost in seconds), for
 * reference checks against pgr_dijkstra / pgr_drivingDistance. Self-loops are left out, as in
 * the routing graph itself.
 */
export function pgRoutingEdgeRows(
  graph: RoadGraph,
  profile?: SpeedProfile,
  at?: Date,
): PgRoutingEdgeRows {
  const sec = edgeCosts(graph, profile, at).segSec;
  const rows: PgRoutingEdgeRows = { id: [], source: [], target: [], cost: [], reverseCost: [] };
  for (let s = 0; s < graph.segmentCount; s++) {
    if (graph.segFrom[s] === graph.segTo[s]) continue;
    rows.id.push(s + 1);
    rows.source.push(graph.segFrom[s] + 1);
    rows.target.push(graph.segTo[s] + 1);
    rows.cost.push(graph.segDirection[s] & DIR_FORWARD ? sec[s] : -1);
    rows.reverseCost.push(graph.segDirection[s] & DIR_BACKWARD ? sec[s] : -1);
  }
  return rows;
}
