import { generateCity } from '@ringcad/routing';
import {
  clipLine,
  encodeRoadTile,
  indexStreets,
  mercatorX,
  mercatorY,
  simplify,
  TILE_EXTENT,
} from './vector-tiles';

// An MVT reader written from the specification (protobuf varints and length-delimited fields), so
// the encoder is checked against the format, not against itself.
interface DecodedFeature {
  type: number;
  props: Record<string, string | boolean>;
  lines: [number, number][][];
}
interface DecodedLayer {
  name: string;
  version: number;
  extent: number;
  features: DecodedFeature[];
}

function fields(buf: Uint8Array): [number, number | Uint8Array][] {
  const out: [number, number | Uint8Array][] = [];
  let pos = 0;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[pos++];
      v += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) return v;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const wire = key & 7;
    if (wire === 0) out.push([key >>> 3, varint()]);
    else if (wire === 2) {
      const len = varint();
      out.push([key >>> 3, buf.subarray(pos, pos + len)]);
      pos += len;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}

function packed(buf: Uint8Array): number[] {
  const out: number[] = [];
  let v = 0;
  let mul = 1;
  for (const b of buf) {
    v += (b & 0x7f) * mul;
    mul *= 128;
    if (b < 0x80) {
      out.push(v);
      v = 0;
      mul = 1;
    }
  }
  return out;
}

const unzigzag = (n: number) => (n % 2 ? -(n + 1) / 2 : n / 2);

function decodeTile(buf: Uint8Array): DecodedLayer[] {
  const text = (b: unknown) => new TextDecoder().decode(b as Uint8Array);
  return fields(buf)
    .filter(([f]) => f === 3)
    .map(([, layerBytes]) => {
      const layer = fields(layerBytes as Uint8Array);
      const keys = layer.filter(([f]) => f === 3).map(([, b]) => text(b));
      const values = layer
        .filter(([f]) => f === 4)
        .map(([, b]) => {
          const [[f, v]] = fields(b as Uint8Array);
          return f === 1 ? text(v) : f === 7 ? v === 1 : Number(v);
        });
      const features = layer
        .filter(([f]) => f === 2)
        .map(([, fb]) => {
          const feature = fields(fb as Uint8Array);
          const tags = packed(feature.find(([f]) => f === 2)?.[1] as Uint8Array);
          const props: Record<string, string | boolean> = {};
          for (let i = 0; i < tags.length; i += 2)
            props[keys[tags[i]]] = values[tags[i + 1]] as string | boolean;
          const geom = packed(feature.find(([f]) => f === 4)?.[1] as Uint8Array);
          const lines: [number, number][][] = [];
          let x = 0;
          let y = 0;
          for (let i = 0; i < geom.length;) {
            const cmd = geom[i] & 7;
            const count = geom[i++] >>> 3;
            for (let c = 0; c < count; c++) {
              x += unzigzag(geom[i++]);
              y += unzigzag(geom[i++]);
              if (cmd === 1) lines.push([[x, y]]);
              else lines[lines.length - 1].push([x, y]);
            }
          }
          return { type: feature.find(([f]) => f === 3)?.[1] as number, props, lines };
        });
      return {
        name: text(layer.find(([f]) => f === 1)?.[1]),
        version: layer.find(([f]) => f === 15)?.[1] as number,
        extent: layer.find(([f]) => f === 5)?.[1] as number,
        features,
      };
    });
}

const OPTS = { minorFromZoom: 12, maxZoom: 14 };

/** The tile of zoom z holding a point, and the point's position in it (tile units). */
function tileOf(lon: number, lat: number, z: number) {
  const n = 2 ** z;
  const fx = mercatorX(lon) * n;
  const fy = mercatorY(lat) * n;
  const x = Math.floor(fx);
  const y = Math.floor(fy);
  return { x, y, px: (fx - x) * TILE_EXTENT, py: (fy - y) * TILE_EXTENT };
}

describe('road vector tiles', () => {
  const streets = indexStreets([
    {
      class: 'primary',
      name: '人民南路',
      minor: false,
      lines: [
        [
          [0, 0],
          [45, 0],
          [90, 0],
        ],
      ],
    },
    {
      class: 'residential',
      name: null,
      minor: true,
      lines: [
        [
          [-90, 10],
          [-80, 10],
        ],
      ],
    },
  ]);

  it('encodes a layer `roads` of line features with class, name and minor', () => {
    const [layer] = decodeTile(encodeRoadTile(streets, 0, 0, 0, { ...OPTS, minorFromZoom: 0 }));
    expect(layer).toMatchObject({ name: 'roads', version: 2, extent: 4096 });
    expect(layer.features.map((f) => [f.type, f.props])).toEqual([
      [2, { class: 'primary', name: '人民南路', minor: false }],
      [2, { class: 'residential', minor: true }],
    ]);
    // lon 0 → x 2048, lon 90 → 3072 on the equator (y 2048); the collinear midpoint is simplified away
    expect(layer.features[0].lines).toEqual([
      [
        [2048, 2048],
        [3072, 2048],
      ],
    ]);
  });

  it('leaves side streets out below their zoom and keeps every vertex at the deepest zoom', () => {
    const [layer] = decodeTile(encodeRoadTile(streets, 0, 0, 0, OPTS));
    expect(layer.features.map((f) => f.props.class)).toEqual(['primary']);
    const deep = indexStreets([
      {
        class: 'primary',
        name: null,
        minor: false,
        lines: [
          [
            [104.0, 30.6],
            [104.001, 30.6],
            [104.002, 30.6],
          ],
        ],
      },
    ]);
    const t = tileOf(104.0005, 30.6, 14);
    const [l14] = decodeTile(encodeRoadTile(deep, 14, t.x, t.y, OPTS));
    // at z14 nothing is simplified: three points (collinear or not)
    expect(l14.features[0].lines[0].length).toBe(3);
    const [l13] = decodeTile(
      encodeRoadTile(deep, 13, tileOf(104.0005, 30.6, 13).x, tileOf(104.0005, 30.6, 13).y, OPTS),
    );
    expect(l13.features[0].lines[0].length).toBe(2);
  });

  it('an empty tile is an empty buffer', () => {
    expect(encodeRoadTile(streets, 3, 7, 0, OPTS).length).toBe(0);
    expect(encodeRoadTile(indexStreets([]), 0, 0, 0, OPTS).length).toBe(0);
  });

  it('cuts lines at the tile edge (plus a buffer) into the pieces inside', () => {
    const pieces = clipLine([-100, 50, 50, 50, 50, -100, 80, -100, 80, 50, 150, 50], 0, 100);
    expect(pieces.map((p) => p.map((v) => Math.round(v * 1e9) / 1e9))).toEqual([
      [0, 50, 50, 50, 50, 0],
      [80, 0, 80, 50, 100, 50],
    ]);
    expect(clipLine([-10, -10, -5, -5], 0, 100)).toEqual([]);
  });

  it('Douglas–Peucker keeps the ends and every point farther than the tolerance', () => {
    expect(simplify([0, 0, 5, 1, 10, 0], 2)).toEqual([0, 0, 10, 0]);
    expect(simplify([0, 0, 5, 3, 10, 0], 2)).toEqual([0, 0, 5, 3, 10, 0]);
  });

  it('on the hard synthetic city, every street vertex is in its z14 tile, within a unit', () => {
    const city = generateCity({ seed: 3, targetNodes: 3000, hard: true });
    const features = city.roads.features as {
      geometry: { type: string; coordinates: number[][] };
      properties: { highway?: string; name?: string | null };
    }[];
    const index = indexStreets(
      features.map((f) => ({
        class: f.properties.highway ?? 'residential',
        name: f.properties.name ?? null,
        minor: false,
        lines: [f.geometry.coordinates],
      })),
    );
    const tiles = new Map<string, [number, number][]>();
    let checked = 0;
    for (const f of features.slice(0, 300))
      for (const [lon, lat] of f.geometry.coordinates) {
        const t = tileOf(lon, lat, 14);
        const key = `${t.x}/${t.y}`;
        if (!tiles.has(key))
          tiles.set(
            key,
            decodeTile(encodeRoadTile(index, 14, t.x, t.y, OPTS))[0].features.flatMap((g) =>
              g.lines.flat(),
            ),
          );
        const points = tiles.get(key) as [number, number][];
        expect(
          points.some(([x, y]) => Math.abs(x - t.px) <= 0.5 && Math.abs(y - t.py) <= 0.5),
        ).toBe(true);
        checked++;
      }
    expect(checked).toBeGreaterThan(300);
  });
});
