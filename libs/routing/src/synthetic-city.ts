import { M_PER_DEG } from './geo-math';
import type { RoadFeatureCollection } from './geojson-import';

export interface SyntheticCityOptions {
  seed: number;
  /** Approximate graph size (intersections); default 10,000 (a district). */
  targetNodes?: number;
  center?: { lon: number; lat: number };
  /**
   * A city as hard as real streets (the benchmarks' default): over 30 % of road pieces one-way
   * (local streets in alternating one-way pairs, as in old town centres), curved streets with
   * shape points, one-way pockets and gated compounds that form their own strongly connected
   * components, roads in random order (so the input order carries no locality, as in a real
   * extract; buildRoadGraph numbers vertices spatially anyway), and districts of uneven
   * unit density (`density` on each district). Off by default: the demo city stays as it is.
   */
  hard?: boolean;
}

type Position = [number, number];

export interface PointFeature<P> {
  type: 'Feature';
  properties: P;
  geometry: { type: 'Point'; coordinates: Position };
}

export interface SyntheticCity {
  seed: number;
  center: { lon: number; lat: number };
  /** Roads with `highway`, `oneway`, `name`, `maxspeed`: input for importGeoJsonRoads. */
  roads: RoadFeatureCollection;
  districts: {
    type: 'FeatureCollection';
    features: {
      type: 'Feature';
      properties: { name: string; code: string; density?: number };
      geometry: { type: 'Polygon'; coordinates: Position[][] };
    }[];
  };
  stations: {
    type: 'FeatureCollection';
    features: PointFeature<{ name: string; district: string }>[];
  };
  standbyPoints: {
    type: 'FeatureCollection';
    features: PointFeature<{ name: string; kind: 'kiosk' | 'mobile' }>[];
  };
  checkpoints: {
    type: 'FeatureCollection';
    features: PointFeature<{ name: string; kind: 'exit' | 'bridge' }>[];
  };
  hotspots: {
    type: 'FeatureCollection';
    features: PointFeature<{ name: string; weight: number }>[];
  };
  /** River centreline, for drawing. */
  river: {
    type: 'Feature';
    properties: { name: string };
    geometry: { type: 'LineString'; coordinates: Position[] };
  };
}

/** Seeded PRNG (mulberry32): uniform in [0, 1), same seed → same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPACING_M = 125;
const ARTERIAL_EVERY = 8; // 1 km
const RIVER_HALF_WIDTH_M = 90;
const BRIDGE_EVERY_ARTERIALS = 3;
const LOCAL_DROP = 0.08;
const FIRST = '青锦金武成华龙天双新温郫崇蜀望';
const SECOND = '羊江牛侯华泉府流都桥安城阳兴宁';

/**
 * A deterministic synthetic city for demos, tests and benchmarks: an arterial grid every
 * ~1 km (primary/secondary, a trunk ring road, some one-way couplets and maxspeed caps),
 * residential streets every 125 m with a few gaps, and a meandering river that only a few
 * bridges cross, so crossing it takes a detour. Also districts, police stations, standby
 * points, checkpoints (city exits, bridge heads) and hotspots — all placed on streets.
 * Same seed → identical output.
 */
export function generateCity(options: SyntheticCityOptions): SyntheticCity {
  const seed = options.seed;
  const center = options.center ?? { lon: 104.07, lat: 30.67 };
  const target = options.targetNodes ?? 10_000;
  const rand = mulberry32(seed);
  const hard = options.hard === true;
  const n = Math.max(2 * ARTERIAL_EVERY + 1, Math.ceil(Math.sqrt(target * 1.05)));
  const half = ((n - 1) * SPACING_M) / 2;
  const kx = M_PER_DEG * Math.cos((center.lat * Math.PI) / 180);
  const toLonLat = (x: number, y: number): Position => [
    Math.round((center.lon + x / kx) * 1e7) / 1e7,
    Math.round((center.lat + y / M_PER_DEG) * 1e7) / 1e7,
  ];

  const phase = rand() * Math.PI * 2;
  const wavelength = 4000 + rand() * 3000;
  const amplitude = Math.min(400, half * 0.15);
  const riverY = (x: number): number =>
    amplitude * Math.sin((2 * Math.PI * x) / wavelength + phase) - half * 0.1;

  const isArterial = (k: number): boolean => k % ARTERIAL_EVERY === 0;
  const x = new Float64Array(n * n);
  const y = new Float64Array(n * n);
  const exists = new Uint8Array(n * n);
  const side = new Int8Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const id = j * n + i;
      // Residential corners wander a little so the town is not a perfect lattice.
      x[id] = i * SPACING_M - half + (isArterial(i) ? 0 : (rand() - 0.5) * 24);
      y[id] = j * SPACING_M - half + (isArterial(j) ? 0 : (rand() - 0.5) * 24);
      const dy = y[id] - riverY(x[id]);
      exists[id] = Math.abs(dy) > RIVER_HALF_WIDTH_M ? 1 : 0;
      side[id] = dy > 0 ? 1 : -1;
    }
  }
  const arterials = Math.floor((n - 1) / ARTERIAL_EVERY);
  const ringLo = Math.max(1, Math.round(arterials * 0.25)) * ARTERIAL_EVERY;
  const ringHi =
    Math.max(ringLo / ARTERIAL_EVERY + 1, Math.round(arterials * 0.75)) * ARTERIAL_EVERY;
  const onRing = (line: number, a: number, b: number): boolean =>
    (line === ringLo || line === ringHi) && Math.min(a, b) >= ringLo && Math.max(a, b) <= ringHi;

  const name2 = (k: number): string =>
    FIRST[k % FIRST.length] + SECOND[Math.floor(k / FIRST.length) % SECOND.length];
  const rowName = (j: number): string => `${name2(j * 7 + 3)}${isArterial(j) ? '路' : '巷'}`;
  const colName = (i: number): string => `${name2(i * 11 + 5)}${isArterial(i) ? '街' : '里'}`;

  interface Props {
    highway: string;
    name: string;
    oneway?: string;
    maxspeed?: string;
  }
  const lineProps = (horizontal: boolean, line: number, a: number, b: number): Props => {
    const name = horizontal ? rowName(line) : colName(line);
    if (onRing(line, a, b)) return { highway: 'trunk', name: '二环路', maxspeed: '60' };
    if (isArterial(line)) {
      const k = line / ARTERIAL_EVERY;
      if (k % 2 === 0) return { highway: 'primary', name };
      // Every fourth arterial row is one half of a one-way couplet (eastbound); see below.
      if (horizontal && k % 4 === 1) return { highway: 'secondary', name, oneway: 'yes' };
      if (k % 4 === 3) return { highway: 'secondary', name, maxspeed: '30' };
      return { highway: 'secondary', name };
    }
    if (horizontal && line > 0 && isArterial(line - 1) && ((line - 1) / ARTERIAL_EVERY) % 4 === 1) {
      // The couplet's westbound half, drawn eastwards and tagged -1.
      return { highway: 'tertiary', name: `${rowName(line - 1)}辅道`, oneway: '-1' };
    }
    const highway = line % 4 === 0 ? 'tertiary' : 'residential';
    if (hard && (line % 5 === 1 || line % 5 === 3)) {
      // Alternating one-way pairs: neighbouring one-way streets run opposite ways.
      const forward = (Math.floor(line / 5) + (line % 5 === 1 ? 0 : 1)) % 2 === 0;
      return { highway, name, oneway: forward ? 'yes' : '-1' };
    }
    return { highway, name };
  };

  const features: RoadFeatureCollection['features'] = [];
  /** Hard city: one or two shape points between grid corners, off the straight line by ≤ 6 m. */
  const bend = (ids: number[]): Position[] => {
    const out: Position[] = [toLonLat(x[ids[0]], y[ids[0]])];
    for (let k = 1; k < ids.length; k++) {
      const a = ids[k - 1];
      const b = ids[k];
      if (hard) {
        const dx = x[b] - x[a];
        const dy = y[b] - y[a];
        const len = Math.hypot(dx, dy) || 1;
        const shapes = 1 + Math.floor(rand() * 2);
        for (let m = 1; m <= shapes; m++) {
          const t = m / (shapes + 1);
          const off = (rand() - 0.5) * 12;
          out.push(toLonLat(x[a] + dx * t - (dy / len) * off, y[a] + dy * t + (dx / len) * off));
        }
      }
      out.push(toLonLat(x[b], y[b]));
    }
    return out;
  };
  const emit = (ids: number[], props: Props): void => {
    if (ids.length < 2) return;
    if (hard && ids.length > 4) {
      // Real extracts hold short ways (a few blocks each), read in no spatial order.
      const cut = 2 + Math.floor(rand() * 3);
      emit(ids.slice(0, cut + 1), props);
      emit(ids.slice(cut), props);
      return;
    }
    features.push({
      type: 'Feature',
      properties: { ...props },
      geometry: { type: 'LineString', coordinates: bend(ids) },
    });
  };
  const emitAt = (points: [number, number][], props: Props): void => {
    features.push({
      type: 'Feature',
      properties: { ...props },
      geometry: { type: 'LineString', coordinates: points.map(([px, py]) => toLonLat(px, py)) },
    });
  };
  const segmentOk = (a: number, b: number, local: boolean): boolean =>
    exists[a] === 1 && exists[b] === 1 && side[a] === side[b] && !(local && rand() < LOCAL_DROP);

  // Rows, then columns: runs of consecutive segments with the same properties become one way.
  for (const horizontal of [true, false]) {
    for (let line = 0; line < n; line++) {
      let run: number[] = [];
      let runProps: Props | null = null;
      const flush = (): void => {
        if (runProps) emit(run, runProps);
        run = [];
        runProps = null;
      };
      for (let k = 0; k < n - 1; k++) {
        const a = horizontal ? line * n + k : k * n + line;
        const b = horizontal ? line * n + k + 1 : (k + 1) * n + line;
        if (!segmentOk(a, b, !isArterial(line))) {
          flush();
          continue;
        }
        const props = lineProps(horizontal, line, k, k + 1);
        if (!runProps || JSON.stringify(props) !== JSON.stringify(runProps)) {
          flush();
          run = [a];
          runProps = props;
        }
        run.push(b);
      }
      flush();
    }
  }

  // Bridges: on every third arterial column and the ring road's columns.
  const bridgeHeads: number[] = [];
  for (let i = 0; i < n; i += ARTERIAL_EVERY) {
    const k = i / ARTERIAL_EVERY;
    if (k % BRIDGE_EVERY_ARTERIALS !== 1 && i !== ringLo && i !== ringHi) continue;
    for (let j = 0; j < n - 1; j++) {
      const a = j * n + i;
      if (!exists[a] || side[a] !== -1) continue;
      let m = j + 1;
      while (m < n && !exists[m * n + i]) m++;
      if (m >= n || side[m * n + i] !== 1) continue;
      const props = lineProps(false, i, j, m);
      emit([a, m * n + i], { ...props, name: `${props.name.replace(/[街里]$/, '')}大桥` });
      bridgeHeads.push(a, m * n + i);
      break;
    }
  }

  const point = <P>(id: number, properties: P): PointFeature<P> => ({
    type: 'Feature',
    properties,
    geometry: { type: 'Point', coordinates: toLonLat(x[id], y[id]) },
  });
  const arterialNodes: number[] = [];
  for (let j = 0; j < n; j += ARTERIAL_EVERY)
    for (let i = 0; i < n; i += ARTERIAL_EVERY)
      if (exists[j * n + i]) arterialNodes.push(j * n + i);

  // Districts: 2 × 2 or 2 × 3 rectangles over the city.
  const cols = rand() < 0.5 ? 2 : 3;
  const districtNames: string[] = [];
  const used = new Set<string>();
  while (districtNames.length < cols * 2) {
    const nm = `${FIRST[Math.floor(rand() * FIRST.length)]}${SECOND[Math.floor(rand() * SECOND.length)]}区`;
    if (!used.has(nm)) {
      used.add(nm);
      districtNames.push(nm);
    }
  }
  const pad = SPACING_M;
  const districtOf = (px: number, py: number): number =>
    (py < 0 ? 0 : cols) +
    Math.min(cols - 1, Math.floor(((px + half + pad) / (2 * half + 2 * pad)) * cols));
  const districts: SyntheticCity['districts']['features'] = [];
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < cols; c++) {
      const x0 = -half - pad + ((2 * half + 2 * pad) * c) / cols;
      const x1 = -half - pad + ((2 * half + 2 * pad) * (c + 1)) / cols;
      const y0 = r === 0 ? -half - pad : 0;
      const y1 = r === 0 ? 0 : half + pad;
      districts.push({
        type: 'Feature',
        properties: { name: districtNames[r * cols + c], code: `D${r * cols + c + 1}` },
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              toLonLat(x0, y0),
              toLonLat(x1, y0),
              toLonLat(x1, y1),
              toLonLat(x0, y1),
              toLonLat(x0, y0),
            ],
          ],
        },
      });
    }
  }

  if (hard) {
    // Uneven unit density: one thin district, the others between 0.6 and 1.6.
    const thin = Math.floor(rand() * districts.length);
    districts.forEach((d, k) => {
      d.properties.density = k === thin ? 0.15 : Math.round((0.6 + rand()) * 100) / 100;
    });
  }

  const stations = arterialNodes
    .filter(
      (id) =>
        (Math.floor(id / n) / ARTERIAL_EVERY) % 2 === 0 && ((id % n) / ARTERIAL_EVERY) % 2 === 0,
    )
    .map((id, k) => {
      const d = districtNames[districtOf(x[id], y[id])];
      return point(id, { name: `${d.slice(0, 2)}${name2(k)}派出所`, district: d });
    });

  const randomNode = (): number => {
    for (;;) {
      const id = Math.floor(rand() * n * n);
      if (exists[id]) return id;
    }
  };
  function addPocketsAndCompounds(): void {
    const usedBlocks = new Set<number>();
    const block = (): number => {
      for (;;) {
        const i = Math.floor(rand() * (n - 1));
        const j = Math.floor(rand() * (n - 1));
        const id = j * n + i;
        const corners = [id, id + 1, id + n, id + n + 1];
        if (usedBlocks.has(id) || corners.some((c) => !exists[c] || side[c] !== side[id])) continue;
        usedBlocks.add(id);
        return id;
      }
    };
    const local: Props = { highway: 'residential', name: '' };
    // One-way pockets: a small loop entered (or left) by a single one-way lane — a sink or a
    // source component of its own, as car parks and gated lanes make in real extracts.
    const pockets = Math.max(4, Math.round((n * n) / 2500));
    for (let k = 0; k < pockets; k++) {
      const id = block();
      const [ax, ay] = [x[id], y[id]];
      const loop: [number, number][] = [
        [ax + 30, ay + 30],
        [ax + 70, ay + 30],
        [ax + 70, ay + 70],
        [ax + 30, ay + 70],
        [ax + 30, ay + 30],
      ];
      const name = `${name2(k * 13 + 1)}内巷`;
      emitAt(loop, { ...local, name });
      emitAt(k % 2 === 0 ? [[ax, ay], loop[0]] : [loop[0], [ax, ay]], {
        ...local,
        name,
        oneway: 'yes',
      });
    }
    // Gated compounds: small street grids joined to nothing.
    const compounds = Math.max(2, Math.round((n * n) / 20000));
    for (let k = 0; k < compounds; k++) {
      const id = block();
      const [ox, oy] = [x[id] + 25, y[id] + 25];
      const name = `${name2(k * 17 + 2)}小区`;
      for (let r = 0; r < 3; r++) {
        emitAt(
          [0, 1, 2].map((c): [number, number] => [ox + c * 35, oy + r * 35]),
          { ...local, name },
        );
        emitAt(
          [0, 1, 2].map((c): [number, number] => [ox + r * 35, oy + c * 35]),
          { ...local, name },
        );
      }
    }
    // Random road order: node ids follow the order roads are read, so they carry no locality.
    for (let k = features.length - 1; k > 0; k--) {
      const m = Math.floor(rand() * (k + 1));
      [features[k], features[m]] = [features[m], features[k]];
    }
  }
  if (hard) addPocketsAndCompounds();

  const standbyPoints = Array.from({ length: Math.max(5, Math.round((n * n) / 400)) }, (_, k) =>
    point(randomNode(), {
      name: `${k % 3 === 0 ? '治安岗亭' : '动中备勤点'}${k + 1}`,
      kind: k % 3 === 0 ? ('kiosk' as const) : ('mobile' as const),
    }),
  );

  const checkpoints: PointFeature<{ name: string; kind: 'exit' | 'bridge' }>[] = [];
  for (let k = 0; k < n; k += ARTERIAL_EVERY) {
    for (const id of [k, (n - 1) * n + k, k * n, k * n + n - 1]) {
      if (exists[id])
        checkpoints.push(point(id, { name: `出城卡点${checkpoints.length + 1}`, kind: 'exit' }));
    }
  }
  bridgeHeads.forEach((id, k) =>
    checkpoints.push(point(id, { name: `桥头卡点${k + 1}`, kind: 'bridge' })),
  );

  const hotspots = Array.from({ length: Math.max(5, Math.round((n * n) / 1000)) }, (_, k) =>
    point(randomNode(), {
      name: `热点${k + 1}`,
      weight: Math.round((0.2 + rand() * 0.8) * 100) / 100,
    }),
  );

  const riverCoords: Position[] = [];
  for (let px = -half - pad; px <= half + pad; px += 100)
    riverCoords.push(toLonLat(px, riverY(px)));

  return {
    seed,
    center,
    roads: { type: 'FeatureCollection', features },
    districts: { type: 'FeatureCollection', features: districts },
    stations: { type: 'FeatureCollection', features: stations },
    standbyPoints: { type: 'FeatureCollection', features: standbyPoints },
    checkpoints: { type: 'FeatureCollection', features: checkpoints },
    hotspots: { type: 'FeatureCollection', features: hotspots },
    river: {
      type: 'Feature',
      properties: { name: '锦水河' },
      geometry: { type: 'LineString', coordinates: riverCoords },
    },
  };
}
