import type { LonLat } from '@ringcad/contracts';
import { STRAIGHT_LINE_SPEED_KMH, type UnitKind } from '@ringcad/domain';
import { pathLengthM, pointAlong, type PointOnPath } from './geo';

/** How a unit gets from one place to another, in simulated seconds. */
export interface Route {
  path: LonLat[];
  seconds: number;
}

/**
 * Where units drive. Straight lines for now; a road-following model (built from
 * GET /api/v1/road-network) replaces it without touching the terminals.
 */
export interface MovementModel {
  route(from: LonLat, to: LonLat, kind: UnitKind): Route;
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
