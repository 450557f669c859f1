import type { LonLat } from '@ringcad/contracts';
import type { UnitKind } from '@ringcad/domain';
import { clampToBox, inBox, offsetM, type Box } from './geo';
import { deriveRng, uniform } from './random';

/**
 * The synthetic demo city: a ~12 × 10 km box around Tianfu Square, Chengdu. Names are made up in
 * the local style; the layout is a pure function of the seed so a restarted simulator regenerates
 * the same city it seeded before.
 */
export const CITY_CENTRE: LonLat = { lon: 104.066, lat: 30.657 };
export const CITY_WIDTH_M = 12_000;
export const CITY_HEIGHT_M = 10_000;

export interface Area {
  name: string;
  box: Box;
}
export interface District extends Area {
  stations: Area[];
}
export interface NamedPoint {
  name: string;
  location: LonLat;
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
  box: Box;
  districts: District[];
  checkpoints: NamedPoint[];
  standbyPoints: NamedPoint[];
  hotspots: Hotspot[];
  streets: string[];
}

export function cityBox(): Box {
  const sw = offsetM(CITY_CENTRE, -CITY_WIDTH_M / 2, -CITY_HEIGHT_M / 2);
  const ne = offsetM(CITY_CENTRE, CITY_WIDTH_M / 2, CITY_HEIGHT_M / 2);
  return { west: sw.lon, south: sw.lat, east: ne.lon, north: ne.lat };
}

/** A part of `box` given as fractions of its width (x) and height (y). */
function part(box: Box, x0: number, x1: number, y0: number, y1: number): Box {
  const w = box.east - box.west;
  const h = box.north - box.south;
  return {
    west: box.west + w * x0,
    east: box.west + w * x1,
    south: box.south + h * y0,
    north: box.south + h * y1,
  };
}

function at(box: Box, x: number, y: number): LonLat {
  return {
    lon: box.west + (box.east - box.west) * x,
    lat: box.south + (box.north - box.south) * y,
  };
}

export function boxPolygon(box: Box) {
  const r = (v: number) => Math.round(v * 1e6) / 1e6;
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

const STANDBY_SITES = [
  '天府广场',
  '春熙路',
  '骡马市',
  '宽窄巷子',
  '人民公园',
  '东门大桥',
  '九眼桥',
  '玉林',
  '红牌楼',
  '盐市口',
  '猛追湾',
  '新南门',
];

const STREETS = [
  '蜀都大道',
  '人民南路',
  '人民北路',
  '红星路',
  '顺城大街',
  '东大街',
  '青年路',
  '玉林北路',
  '科华北路',
  '金河路',
  '长顺上街',
  '锦里中路',
  '芳草街',
  '太升南路',
  '二环路南一段',
  '府南河滨路',
  '提督街',
  '总府路',
];

export function demoCity(seed: number): DemoCity {
  const rng = deriveRng(seed, 'city');
  const box = cityBox();
  // west strip 青羊区; the east is split north (锦城区) / south (武侯区)
  const districts: District[] = [
    {
      name: '青羊区',
      box: part(box, 0, 0.4, 0, 1),
      stations: [
        { name: '少城派出所', box: part(box, 0, 0.4, 0.5, 1) },
        { name: '草市街派出所', box: part(box, 0, 0.4, 0, 0.5) },
      ],
    },
    {
      name: '锦城区',
      box: part(box, 0.4, 1, 0.45, 1),
      stations: [
        { name: '春熙路派出所', box: part(box, 0.4, 0.7, 0.45, 1) },
        { name: '书院街派出所', box: part(box, 0.7, 1, 0.45, 1) },
      ],
    },
    {
      name: '武侯区',
      box: part(box, 0.4, 1, 0, 0.45),
      stations: [
        { name: '玉林派出所', box: part(box, 0.4, 0.7, 0, 0.45) },
        { name: '浆洗街派出所', box: part(box, 0.7, 1, 0, 0.45) },
      ],
    },
  ];
  // checkpoints (卡点) guard the ways out of the city: on the box edges
  const edge: [string, number, number][] = [
    ['北', 0.2, 1],
    ['北', 0.5, 1],
    ['北', 0.8, 1],
    ['南', 0.2, 0],
    ['南', 0.5, 0],
    ['南', 0.8, 0],
    ['东', 1, 0.3],
    ['东', 1, 0.7],
    ['西', 0, 0.3],
    ['西', 0, 0.7],
  ];
  const counters: Record<string, number> = {};
  const checkpoints = edge.map(([side, x, y]) => {
    counters[side] = (counters[side] ?? 0) + 1;
    return {
      name: `${side}向${String(counters[side]).padStart(2, '0')}号卡点`,
      location: at(box, x, y),
    };
  });
  // standby points on a 4 × 3 grid with some jitter, alternating 治安岗亭 and 动中备勤点
  const standbyPoints: NamedPoint[] = [];
  for (let row = 0; row < 3; row++) {
    for (let col = 0; col < 4; col++) {
      const i = row * 4 + col;
      const base = at(box, (col + 0.5) / 4, (row + 0.5) / 3);
      const p = clampToBox(offsetM(base, uniform(rng, -400, 400), uniform(rng, -400, 400)), box);
      standbyPoints.push({
        name: `${STANDBY_SITES[i]}${i % 2 === 0 ? '治安岗亭' : '动中备勤点'}`,
        location: p,
      });
    }
  }
  const hot = (
    name: string,
    eastM: number,
    northM: number,
    weight: number,
    sigmaM: number,
  ): Hotspot => ({
    name,
    location: offsetM(CITY_CENTRE, eastM, northM),
    weight,
    sigmaM,
  });
  const hotspots = [
    hot('春熙路商圈', 1500, 200, 3, 500),
    hot('九眼桥酒吧街', 2300, -1800, 2, 400),
    hot('宽窄巷子', -2500, 700, 1.5, 400),
    hot('火车站片区', 500, 4000, 2, 700),
    hot('玉林生活区', 200, -2800, 1.5, 600),
    hot('高校片区', 3500, -3500, 1, 700),
    hot('荷花池批发市场', -1000, 3500, 1.5, 500),
    hot('城西居民区', -4500, -2000, 1, 900),
  ];
  return { box, districts, checkpoints, standbyPoints, hotspots, streets: STREETS };
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
  const kiosks = city.standbyPoints
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => p.name.endsWith('治安岗亭'));
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
      const loc = city.standbyPoints[home].location;
      const district = Math.max(
        0,
        city.districts.findIndex((d) => inBox(loc, d.box)),
      );
      const station = Math.max(
        0,
        city.districts[district].stations.findIndex((s) => inBox(loc, s.box)),
      );
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
