/**
 * Setup of the deployment-plan figure of bench/patrol.ts (#17 item 3): 200 units and 500 standby
 * points on the hard city, both placed by district density and snapped beforehand (as the api
 * keeps snaps), and 5,000 incidents of the shift's hours (8 weeks × an 8-hour shift at ~80 calls
 * an hour) from the same density. `planShift` is what the api does in its clock: hexagon kernel
 * density → node demand → lazy-greedy plan.
 */
import {
  hexKernelDensity,
  nodeDemandFromHexes,
  planDeployment,
  snapPoint,
  type DeploymentPlanResult,
} from '../../libs/routing/src';
import { unitPoint, type BenchCity } from './bench-cities';

export const DEPLOYMENT_UNITS = 200;
export const DEPLOYMENT_POINTS = 500;
export const DEPLOYMENT_INCIDENTS = 5000;
export const DEPLOYMENT_TIER_SEC = 180;

export function deploymentData(city: BenchCity, rand: () => number) {
  const g = city.graph;
  const placed = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => {
      const p = unitPoint(city, rand);
      return { id: `${prefix}${i}`, ...p, snap: snapPoint(g, p) };
    });
  return {
    units: placed('u', DEPLOYMENT_UNITS),
    standbyPoints: placed('s', DEPLOYMENT_POINTS),
    incidents: Array.from({ length: DEPLOYMENT_INCIDENTS }, () => unitPoint(city, rand)),
  };
}

export function planShift(
  city: BenchCity,
  data: ReturnType<typeof deploymentData>,
  at: Date,
): DeploymentPlanResult {
  const g = city.graph;
  const origin = { lon: g.projection.lon0, lat: g.projection.lat0 };
  const cells = hexKernelDensity(data.incidents, { origin, cellM: 200, bandwidthM: 500 });
  const demand = nodeDemandFromHexes(g, cells, { origin, cellM: 200 });
  return planDeployment(g, {
    units: data.units,
    standbyPoints: data.standbyPoints,
    tierSec: DEPLOYMENT_TIER_SEC,
    demand,
    at,
  });
}
