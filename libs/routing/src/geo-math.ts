import { EARTH_RADIUS_M, haversineLonLatM } from '@ringcad/domain';

export { EARTH_RADIUS_M };
const RAD = Math.PI / 180;
/** Metres per degree of latitude on the mean sphere. */
export const M_PER_DEG = EARTH_RADIUS_M * RAD;

/** Great-circle distance in metres: the domain's one distance, on plain numbers. */
export const haversineM = haversineLonLatM;

/**
 * Equirectangular projection around a reference latitude: metres east/north of (lon0, lat0).
 * Over a city (< 100 km) the scale error is well under 1 %, and it keeps snapping and
 * rasterisation to a multiply-add per point.
 */
export interface LocalProjection {
  lon0: number;
  lat0: number;
  kx: number;
  ky: number;
}

export function localProjection(lon0: number, lat0: number): LocalProjection {
  return { lon0, lat0, kx: M_PER_DEG * Math.cos(lat0 * RAD), ky: M_PER_DEG };
}
