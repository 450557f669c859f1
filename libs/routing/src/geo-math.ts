/** Mean Earth radius (IUGG), metres. */
export const EARTH_RADIUS_M = 6371008.8;
const RAD = Math.PI / 180;
/** Metres per degree of latitude on the mean sphere. */
export const M_PER_DEG = EARTH_RADIUS_M * RAD;

/** Great-circle distance in metres. */
export function haversineM(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a =
    Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

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
