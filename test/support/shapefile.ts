import { zipSync } from 'fflate';

/**
 * A minimal ESRI Shapefile writer for tests (polygons or points, text attributes, UTF-8), so a
 * test builds the zip it uploads instead of committing a binary fixture. Follows the ESRI
 * Shapefile Technical Description (1998) and the dBASE III table layout.
 */
export type ShapeFeature =
  | { polygon: [number, number][][]; properties: Record<string, string> }
  | { point: [number, number]; properties: Record<string, string> };

/** Outer rings are clockwise in a shapefile (GeoJSON's are counter-clockwise). */
function clockwise(ring: [number, number][]): [number, number][] {
  let sum = 0;
  for (let i = 0; i < ring.length - 1; i++)
    sum += (ring[i + 1][0] - ring[i][0]) * (ring[i + 1][1] + ring[i][1]);
  return sum > 0 ? ring : [...ring].reverse();
}

function shp(features: ShapeFeature[]): Uint8Array {
  const isPoint = 'point' in features[0];
  const contents = features.map((f) => {
    if ('point' in f) {
      const b = Buffer.alloc(20);
      b.writeInt32LE(1, 0);
      b.writeDoubleLE(f.point[0], 4);
      b.writeDoubleLE(f.point[1], 12);
      return { b, box: [f.point[0], f.point[1], f.point[0], f.point[1]] };
    }
    const rings = f.polygon.map((r, i) => (i === 0 ? clockwise(r) : [...clockwise(r)].reverse()));
    const pts = rings.flat();
    const xs = pts.map((p) => p[0]);
    const ys = pts.map((p) => p[1]);
    const box = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    const b = Buffer.alloc(44 + 4 * rings.length + 16 * pts.length);
    b.writeInt32LE(5, 0);
    box.forEach((v, i) => b.writeDoubleLE(v, 4 + 8 * i));
    b.writeInt32LE(rings.length, 36);
    b.writeInt32LE(pts.length, 40);
    let start = 0;
    rings.forEach((r, i) => {
      b.writeInt32LE(start, 44 + 4 * i);
      start += r.length;
    });
    const at = 44 + 4 * rings.length;
    pts.forEach((p, i) => {
      b.writeDoubleLE(p[0], at + 16 * i);
      b.writeDoubleLE(p[1], at + 16 * i + 8);
    });
    return { b, box };
  });
  const records = contents.map(({ b }, i) => {
    const h = Buffer.alloc(8);
    h.writeInt32BE(i + 1, 0);
    h.writeInt32BE(b.length / 2, 4);
    return Buffer.concat([h, b]);
  });
  const body = Buffer.concat(records);
  const header = Buffer.alloc(100);
  header.writeInt32BE(9994, 0);
  header.writeInt32BE((100 + body.length) / 2, 24);
  header.writeInt32LE(1000, 28);
  header.writeInt32LE(isPoint ? 1 : 5, 32);
  const box = [
    Math.min(...contents.map((c) => c.box[0])),
    Math.min(...contents.map((c) => c.box[1])),
    Math.max(...contents.map((c) => c.box[2])),
    Math.max(...contents.map((c) => c.box[3])),
  ];
  box.forEach((v, i) => header.writeDoubleLE(v, 36 + 8 * i));
  return Buffer.concat([header, body]);
}

function dbf(features: ShapeFeature[]): Uint8Array {
  const names = [...new Set(features.flatMap((f) => Object.keys(f.properties)))];
  const width = (n: string) =>
    Math.max(1, ...features.map((f) => Buffer.byteLength(f.properties[n] ?? '')));
  const fields = names.map((n) => ({ n, len: Math.min(254, width(n)) }));
  const headerLen = 32 + 32 * fields.length + 1;
  const recordLen = 1 + fields.reduce((s, f) => s + f.len, 0);
  const header = Buffer.alloc(headerLen);
  header.writeUInt8(0x03, 0);
  header.writeUInt8(126, 1);
  header.writeUInt8(1, 2);
  header.writeUInt8(1, 3);
  header.writeUInt32LE(features.length, 4);
  header.writeUInt16LE(headerLen, 8);
  header.writeUInt16LE(recordLen, 10);
  fields.forEach((f, i) => {
    const at = 32 + 32 * i;
    header.write(f.n.slice(0, 10), at, 'latin1');
    header.write('C', at + 11, 'latin1');
    header.writeUInt8(f.len, at + 16);
  });
  header.writeUInt8(0x0d, headerLen - 1);
  const rows = features.map((feat) => {
    const r = Buffer.alloc(recordLen, 0x20);
    let at = 1;
    for (const f of fields) {
      Buffer.from(feat.properties[f.n] ?? '').copy(r, at, 0, f.len);
      at += f.len;
    }
    return r;
  });
  return Buffer.concat([header, ...rows, Buffer.from([0x1a])]);
}

/** A zip holding `<name>.shp`, `.dbf` and `.cpg` (UTF-8). */
export function shapefileZip(name: string, features: ShapeFeature[]): Buffer {
  return Buffer.from(
    zipSync({
      [`${name}.shp`]: shp(features),
      [`${name}.dbf`]: dbf(features),
      [`${name}.cpg`]: Buffer.from('UTF-8'),
    }),
  );
}
