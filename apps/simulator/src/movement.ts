import type { LonLat } from '@ringcad/contracts';
import { STRAIGHT_LINE_SPEED_KMH, WALKING_UNIT_KINDS, type UnitKind } from '@ringcad/domain';
import {
  buildRoadGraph,
  importGeoJsonRoads,
  routeBetween,
  snapPoint,
  type RoadFeatureCollection,
  type RoadGraph,
} from '@ringcad/routing';
import { offsetM, pathLengthM, pointAlong, type PointOnPath } from './geo';
import { uniform, type Rng } from './random';

/** How a unit gets from one place to another, in simulated seconds. */
export interface Route {
  path: LonLat[];
  seconds: number;
}

/**
 * Where units drive: {@link RoadMovementModel} along the demo city's streets (the default), or
 * {@link StraightLineMovement} as the crow flies.
 */
export interface MovementModel {
  route(from: LonLat, to: LonLat, kind: UnitKind): Route;
  /**
   * A place to patrol to: anywhere in the city, or within `withinM` metres of `near`. Models that
   * know the streets answer with a point on one; without it the terminal picks a point in the box.
   */
  patrolTarget?(rng: Rng, near?: LonLat, withinM?: number): LonLat;
}

/** Patrol and response speeds (km/h) of the simulated units. */
export function travelSpeedKmh(kind: UnitKind): number {
  return STRAIGHT_LINE_SPEED_KMH[kind];
}

export class StraightLineMovement implements MovementModel {
  route(from: LonLat, to: LonLat, kind: UnitKind): Route {
    const metres = pathLengthM([from, to]);
    return { path: [from, to], seconds: metres / ((travelSpeedKmh(kind) * 1000) / 3600) };
  }
}

/** Kinds that walk: they follow the streets at walking pace, as the api's ETA assumes. */
const WALKING_KINDS: ReadonlySet<UnitKind> = new Set(WALKING_UNIT_KINDS);

export interface RoadMovementOptions {
  /**
   * Departure time for the peak-hour factor of car speeds (default: now, as the api's ETAs use
   * its clock; pass a fixed time for reproducible routes).
   */
  clock?: () => Date;
}

/**
 * Units follow the road network: cars and motorcycles the fastest car route at the road speeds
 * of the api's ETAs (same graph, same `routeBetween`), so a unit arrives about when the
 * recommendation said; foot and kiosk units walk the same path at their walking speed. Where no
 * road route exists (a point that does not snap, an unreachable pocket) the unit goes straight.
 */
export class RoadMovementModel implements MovementModel {
  private readonly straight = new StraightLineMovement();
  private readonly clock: () => Date;
  /** Nodes of the largest strongly connected component: every one is reachable from every other. */
  private readonly nodes: number[] = [];

  constructor(
    readonly graph: RoadGraph,
    options: RoadMovementOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    for (let i = 0; i < graph.nodeCount; i++)
      if (graph.nodeComponent[i] === graph.largestComponent) this.nodes.push(i);
  }

  /** Builds the graph exactly as the api does for the demo city (`importGeoJsonRoads` → `buildRoadGraph`). */
  static fromRoads(roads: RoadFeatureCollection, options?: RoadMovementOptions): RoadMovementModel {
    return new RoadMovementModel(buildRoadGraph(importGeoJsonRoads(roads)), options);
  }

  route(from: LonLat, to: LonLat, kind: UnitKind): Route {
    const r = routeBetween(this.graph, from, to, { kind, at: this.clock() });
    if (!r || r.method !== 'road' || r.coordinates.length === 0)
      return this.straight.route(from, to, kind);
    const path = r.coordinates.map(([lon, lat]) => ({ lon, lat }));
    if (path.length === 1) path.push({ ...to });
    const seconds = WALKING_KINDS.has(kind)
      ? pathLengthM(path) / ((travelSpeedKmh(kind) * 1000) / 3600)
      : r.etaSec;
    return { path, seconds };
  }

  patrolTarget(rng: Rng, near?: LonLat, withinM = 800): LonLat {
    if (!near) {
      const node = this.nodes[Math.floor(rng.next() * this.nodes.length)];
      return { lon: this.graph.nodeLon[node], lat: this.graph.nodeLat[node] };
    }
    const p = offsetM(near, uniform(rng, -withinM, withinM), uniform(rng, -withinM, withinM));
    const snapped = snapPoint(this.graph, p);
    return snapped ? { lon: snapped.lon, lat: snapped.lat } : p;
  }
}

/**
 * A route being travelled: started at real time `startMs`, and — the world running `speed` times
 * faster than real time — finished after `route.seconds / speed` real seconds.
 */
export interface Leg {
  route: Route;
  startMs: number;
  speed: number;
}

export function legDurationMs(leg: Leg): number {
  return (leg.route.seconds * 1000) / leg.speed;
}

export function legFinished(leg: Leg, nowMs: number): boolean {
  return nowMs - leg.startMs >= legDurationMs(leg);
}

/** Where on its leg a unit is at real time `nowMs`, and how fast it goes there (simulated km/h). */
export function legPosition(leg: Leg, nowMs: number): PointOnPath & { speedKmh: number } {
  const duration = legDurationMs(leg);
  const fraction = duration <= 0 ? 1 : (nowMs - leg.startMs) / duration;
  const moving = fraction < 1 && leg.route.seconds > 0;
  const speedKmh = moving ? (pathLengthM(leg.route.path) / leg.route.seconds) * 3.6 : 0;
  return { ...pointAlong(leg.route.path, fraction), speedKmh };
}
