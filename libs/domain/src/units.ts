/** Kinds of police resources (警力单元). */
export const UNIT_KINDS = [
  'foot',
  'kiosk',
  'patrol_car',
  'motorcycle',
  'swat',
  'traffic',
  'station_car',
] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

export const UNIT_STATUSES = [
  'off_duty',
  'available',
  'assigned',
  'en_route',
  'on_scene',
  'out_of_service',
] as const;
export type UnitStatus = (typeof UNIT_STATUSES)[number];

/** Statuses a dispatcher or terminal may set directly; the others follow assignments. */
export const MANUAL_UNIT_STATUSES = ['available', 'off_duty', 'out_of_service'] as const;
export type ManualUnitStatus = (typeof MANUAL_UNIT_STATUSES)[number];

export const UNIT_KIND_LABELS: Record<UnitKind, { zh: string; en: string }> = {
  foot: { zh: '步巡', en: 'Foot patrol' },
  kiosk: { zh: '岗亭', en: 'Kiosk post' },
  patrol_car: { zh: '巡逻车', en: 'Patrol car' },
  motorcycle: { zh: '摩托', en: 'Motorcycle' },
  swat: { zh: '特警', en: 'SWAT' },
  traffic: { zh: '交警', en: 'Traffic police' },
  station_car: { zh: '所巡车', en: 'Station car' },
};

/** Kinds whose officers walk: timed by road distance at walking pace, never by driving speed. */
export const WALKING_UNIT_KINDS: readonly UnitKind[] = ['foot', 'kiosk'];
export function isWalkingKind(kind: string): boolean {
  return (WALKING_UNIT_KINDS as readonly string[]).includes(kind);
}

/** A checkpoint (卡点) is manned by a vehicle crew: walking posts cannot hold one. */
export function canManCheckpoint(kind: string): boolean {
  return (UNIT_KINDS as readonly string[]).includes(kind) && !isWalkingKind(kind);
}

/** A unit's position older than this (seconds) is stale: shown as such, not trusted for ETAs. */
export const POSITION_STALE_SEC_DEFAULT = 60;

/**
 * Average urban speed (km/h) by unit kind, used for the straight-line fallback ETA.
 * Foot and kiosk units walk; everything else drives in city traffic.
 */
export const STRAIGHT_LINE_SPEED_KMH: Record<UnitKind, number> = {
  foot: 5,
  kiosk: 5,
  patrol_car: 30,
  motorcycle: 30,
  swat: 30,
  traffic: 30,
  station_car: 30,
};

/** Straight-line distances understate road distance; 1.3 is the usual urban detour factor. */
export const DEFAULT_DETOUR_FACTOR = 1.3;

/** Straight-line ETA in seconds: distance × detour ÷ speed of the unit's kind. */
export function straightLineEtaSec(
  distanceM: number,
  kind: UnitKind,
  detourFactor = DEFAULT_DETOUR_FACTOR,
): number {
  const metersPerSec = (STRAIGHT_LINE_SPEED_KMH[kind] * 1000) / 3600;
  return Math.round((distanceM * detourFactor) / metersPerSec);
}

/** Mean Earth radius (IUGG), metres. */
export const EARTH_RADIUS_M = 6371008.8;
const RAD = Math.PI / 180;

/** The one great-circle distance, in metres (haversine on the mean sphere), on plain numbers. */
export function haversineLonLatM(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** {@link haversineLonLatM} between two points. */
export function haversineM(
  a: { lon: number; lat: number },
  b: { lon: number; lat: number },
): number {
  return haversineLonLatM(a.lon, a.lat, b.lon, b.lat);
}
