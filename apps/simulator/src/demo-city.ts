import type { LonLat } from '@ringcad/contracts';
import type { UnitKind } from '@ringcad/domain';
import { generateCity, type RoadFeatureCollection } from '@ringcad/routing';
import { inBox, type Box } from './geo';
import { areaCovers, stationAreas, type AreaPolygon } from './station-areas';

/**
 * The seed of the demo city. It must be the api's `DEMO_CITY_SEED`: an api started with DEMO=1
 * and no road network imports exactly `generateCity({ seed: 110 }).roads`, so the simulator's
 * units, stations and checkpoints sit on the streets the api routes on.
 */
export const DEFAULT_CITY_SEED = 110;

export interface Area {
  name: string;
  box: Box;
}
export interface Station {
  name: string;
  /** The station building, on a street. */
  location: LonLat;
  /** Its area (辖区): the part of the district nearer to it than to the district's other stations. */
  boundary: AreaPolygon;
}
export interface District extends Area {
  code: string;
  stations: Station[];
}
export interface NamedPoint {
  name: string;
  location: LonLat;
}
export interface StandbyPoint extends NamedPoint {
  /** 治安岗亭 (a kiosk post, staffed by kiosk units) or 动中备勤点 (a mobile standby point). */
  kind: 'kiosk' | 'mobile';
}
export interface Hotspot extends NamedPoint {
  weight: number;
  /** Spread of calls around the centre (metres, one standard deviation). */
  sigmaM: number;
}
export interface UnitPlan {
  callsign: string;
  kind: UnitKind;
  /** Index into `standbyPoints`: where it starts and returns between patrols. */
  home: number;
  /** Index of the district and of the station within it. */
  district: number;
  station: number;
}
export interface DemoCity {
  seed: number;
  centre: LonLat;
  /** Bounding box of the districts (the whole city). */
  box: Box;
  districts: District[];
  checkpoints: NamedPoint[];
  standbyPoints: StandbyPoint[];
  hotspots: Hotspot[];
  /** Street names, for call addresses. */
  streets: string[];
  /** The road network (GeoJSON LineStrings), input for `importGeoJsonRoads`. */
  roads: RoadFeatureCollection;
}

export function boxPolygon(box: Box) {
  const r = (v: number) => Math.round(v * 1e7) / 1e7;
  return {
    type: 'Polygon' as const,
    coordinates: [
      [
        [r(box.west), r(box.south)],
        [r(box.east), r(box.south)],
        [r(box.east), r(box.north)],
        [r(box.west), r(box.north)],
        [r(box.west), r(box.south)],
      ],
    ],
  };
}

function boxOf(coords: readonly (readonly number[])[]): Box {
  const lons = coords.map((c) => c[0]);
  const lats = coords.map((c) => c[1]);
  return {
    west: Math.min(...lons),
    south: Math.min(...lats),
    east: Math.max(...lons),
    north: Math.max(...lats),
  };
}

const at = (c: readonly number[]): LonLat => ({ lon: c[0], lat: c[1] });

/** Spread of calls round a hotspot: busier places draw calls from a wider area. */
const hotspotSigmaM = (weight: number) => Math.round(250 + 350 * weight);

/**
 * The demo city: the synthetic city of `@ringcad/routing` (streets, a river with few bridges,
 * districts, police stations, standby points, checkpoints and hotspots, all on streets), a pure
 * function of the seed, so a restarted simulator regenerates the city it seeded before and an
 * api started with DEMO=1 routes on the same streets (see {@link DEFAULT_CITY_SEED}).
 *
 * Districts are its district rectangles; a station's area is the part of its district nearest to
 * it ({@link stationAreas}). Checkpoints standing on the same spot (a corner of the city is the
 * exit of two roads) are kept once.
 */
export function demoCity(seed: number = DEFAULT_CITY_SEED): DemoCity {
  const g = generateCity({ seed });
  const districts: District[] = g.districts.features.map((f) => {
    const box = boxOf(f.geometry.coordinates[0]);
    const own = g.stations.features.filter((s) => s.properties.district === f.properties.name);
    const areas = stationAreas(
      box,
      own.map((s) => at(s.geometry.coordinates)),
    );
    return {
      name: f.properties.name,
      code: f.properties.code,
      box,
      stations: own.map((s, k) => ({
        name: s.properties.name,
        location: at(s.geometry.coordinates),
        boundary: areas[k],
      })),
    };
  });
  const box = boxOf(g.districts.features.flatMap((f) => f.geometry.coordinates[0]));
  const spots = new Set<string>();
  const checkpoints: NamedPoint[] = [];
  for (const f of g.checkpoints.features) {
    const spot = f.geometry.coordinates.join(',');
    if (spots.has(spot)) continue;
    spots.add(spot);
    checkpoints.push({ name: f.properties.name, location: at(f.geometry.coordinates) });
  }
  const standbyPoints: StandbyPoint[] = g.standbyPoints.features.map((f) => ({
    name: f.properties.name,
    kind: f.properties.kind,
    location: at(f.geometry.coordinates),
  }));
  const hotspots: Hotspot[] = g.hotspots.features.map((f) => ({
    name: f.properties.name,
    location: at(f.geometry.coordinates),
    weight: f.properties.weight,
    sigmaM: hotspotSigmaM(f.properties.weight),
  }));
  const streets = [
    ...new Set(
      g.roads.features
        .map((f) => f.properties?.name)
        .filter((n): n is string => typeof n === 'string' && n.length > 0),
    ),
  ];
  return {
    seed,
    centre: g.center,
    box,
    districts,
    checkpoints,
    standbyPoints,
    hotspots,
    streets,
    roads: g.roads,
  };
}

/** District and station (indices) whose area holds `p`, or -1 where none does. */
export function locateInCity(city: DemoCity, p: LonLat): { district: number; station: number } {
  const district = city.districts.findIndex((d) => inBox(p, d.box));
  if (district < 0) return { district: -1, station: -1 };
  const stations = city.districts[district].stations;
  const covering = stations.findIndex((s) => areaCovers(s.boundary, p));
  if (covering >= 0) return { district, station: covering };
  let station = -1;
  let best = Infinity;
  const kx = Math.cos((p.lat * Math.PI) / 180);
  // on an edge shared by two areas: the nearest station
  stations.forEach((s, k) => {
    const d = ((s.location.lon - p.lon) * kx) ** 2 + (s.location.lat - p.lat) ** 2;
    if (d < best) {
      best = d;
      station = k;
    }
  });
  return { district, station };
}

/** Unit kinds by share of the fleet: patrol cars carry most of the response. */
export const FLEET_MIX: readonly { kind: UnitKind; share: number; prefix: string }[] = [
  { kind: 'patrol_car', share: 0.6, prefix: '川A-巡' },
  { kind: 'motorcycle', share: 0.15, prefix: '川A-摩' },
  { kind: 'foot', share: 0.15, prefix: '步巡-' },
  { kind: 'kiosk', share: 0.1, prefix: '岗亭-' },
];

/** How many units of each kind make up a fleet of `n` (largest remainder, so the counts add up to n). */
export function fleetCounts(n: number): Map<UnitKind, number> {
  const raw = FLEET_MIX.map((m) => ({ kind: m.kind, exact: m.share * n }));
  const counts = raw.map((r) => ({
    kind: r.kind,
    count: Math.floor(r.exact),
    rest: r.exact - Math.floor(r.exact),
  }));
  let missing = n - counts.reduce((s, c) => s + c.count, 0);
  for (const c of [...counts].sort((a, b) => b.rest - a.rest)) {
    if (missing <= 0) break;
    c.count++;
    missing--;
  }
  return new Map(counts.map((c) => [c.kind, c.count]));
}

/** Callsigns, kinds and home posts of a fleet of `n`, spread over the standby points. */
export function planFleet(city: DemoCity, n: number): UnitPlan[] {
  const counts = fleetCounts(n);
  const kiosks = city.standbyPoints.map((p, i) => ({ p, i })).filter(({ p }) => p.kind === 'kiosk');
  const plans: UnitPlan[] = [];
  let spread = 0;
  for (const mix of FLEET_MIX) {
    const count = counts.get(mix.kind) ?? 0;
    for (let k = 0; k < count; k++) {
      // kiosks stand at the 岗亭 themselves; moving units are spread round-robin over all points
      const home =
        mix.kind === 'kiosk' && kiosks.length
          ? kiosks[k % kiosks.length].i
          : spread++ % city.standbyPoints.length;
      const { district, station } = locateInCity(city, city.standbyPoints[home].location);
      plans.push({
        callsign: `${mix.prefix}${String(k + 1).padStart(2, '0')}`,
        kind: mix.kind,
        home,
        district,
        station,
      });
    }
  }
  return plans;
}
