import { inflateSync } from 'node:zlib';
import { ProtobufReader, readSint, readVarint } from './protobuf-reader';
import {
  PointStore,
  RoadNetworkImportError,
  resolveOsmDraft,
  type RoadNetworkDraft,
} from './road-network-draft';

const SUPPORTED_FEATURES = new Set(['OsmSchema-V0.6', 'DenseNodes']);
const ROUTING_KEYS = new Set(['highway', 'oneway', 'junction', 'maxspeed', 'name']);

export interface OsmPbfImportOptions {
  /** zlib inflate; defaults to node:zlib. Browsers can pass their own (e.g. fflate). */
  inflate?: (data: Uint8Array, rawSize: number) => Uint8Array;
}

interface BlockState {
  nodeIds: Map<number, number>;
  points: PointStore;
  rawWays: { id: string; refIds: number[]; tags: Map<string, string> }[];
}

function fail(message: string): never {
  throw new RoadNetworkImportError('malformed', message, 'osm-pbf');
}

function readBlob(
  buf: Uint8Array,
  start: number,
  end: number,
  inflate: NonNullable<OsmPbfImportOptions['inflate']>,
): Uint8Array {
  const r = new ProtobufReader(buf, start, end);
  let rawSize = 0;
  while (!r.done) {
    const key = r.varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 1 && wire === 2) {
      const [s, e] = r.bytes();
      return buf.subarray(s, e);
    } else if (field === 2 && wire === 0) rawSize = r.varint();
    else if (field === 3 && wire === 2) {
      const [s, e] = r.bytes();
      const out = inflate(buf.subarray(s, e), rawSize);
      if (rawSize && out.length !== rawSize)
        fail(`blob inflated to ${out.length} bytes, header says ${rawSize}`);
      return out;
    } else if (field >= 4 && field <= 7) {
      throw new RoadNetworkImportError(
        'unsupported',
        'only raw and zlib-compressed PBF blobs are supported',
        'osm-pbf',
      );
    } else r.skip(wire);
  }
  return fail('blob without data');
}

function checkHeader(block: Uint8Array): void {
  const r = new ProtobufReader(block);
  while (!r.done) {
    const key = r.varint();
    if (key >>> 3 === 4 && (key & 7) === 2) {
      const feature = r.string();
      if (!SUPPORTED_FEATURES.has(feature)) {
        throw new RoadNetworkImportError(
          'unsupported',
          `required feature "${feature}" is not supported`,
          'osm-pbf',
        );
      }
    } else r.skip(key & 7);
  }
}

function readTags(
  keys: number[],
  vals: number[],
  strings: string[],
  tags: Map<string, string>,
): void {
  for (let i = 0; i < keys.length; i++) {
    const k = strings[keys[i]];
    if (k !== undefined && ROUTING_KEYS.has(k)) tags.set(k, strings[vals[i]] ?? '');
  }
}

function readPrimitiveBlock(block: Uint8Array, st: BlockState): void {
  const r = new ProtobufReader(block);
  const strings: string[] = [];
  const groups: [number, number][] = [];
  let granularity = 100;
  let latOffset = 0;
  let lonOffset = 0;
  const utf8 = new TextDecoder('utf-8');
  // Field order inside a block is not guaranteed: collect first, then decode the groups.
  while (!r.done) {
    const key = r.varint();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 && wire === 2) {
      const [s, e] = r.bytes();
      const t = new ProtobufReader(block, s, e);
      while (!t.done) {
        const k = t.varint();
        if (k >>> 3 === 1 && (k & 7) === 2) {
          const [a, b] = t.bytes();
          strings.push(utf8.decode(block.subarray(a, b)));
        } else t.skip(k & 7);
      }
    } else if (field === 2 && wire === 2) groups.push(r.bytes());
    else if (field === 17 && wire === 0) granularity = r.varint();
    else if (field === 19 && wire === 0) latOffset = r.int64();
    else if (field === 20 && wire === 0) lonOffset = r.int64();
    else r.skip(wire);
  }
  const toDeg = (offset: number, v: number): number => (offset + granularity * v) * 1e-9;

  for (const [gs, ge] of groups) {
    const g = new ProtobufReader(block, gs, ge);
    while (!g.done) {
      const key = g.varint();
      const field = key >>> 3;
      const wire = key & 7;
      if (wire !== 2) {
        g.skip(wire);
        continue;
      }
      const [s, e] = g.bytes();
      const m = new ProtobufReader(block, s, e);
      if (field === 1) {
        // Plain Node.
        let id = 0;
        let lat = 0;
        let lon = 0;
        while (!m.done) {
          const k = m.varint();
          if (k === 1 << 3) id = m.sint();
          else if (k === 8 << 3) lat = m.sint();
          else if (k === 9 << 3) lon = m.sint();
          else m.skip(k & 7);
        }
        st.nodeIds.set(id, st.points.add(toDeg(lonOffset, lon), toDeg(latOffset, lat)));
      } else if (field === 2) {
        const ids: number[] = [];
        const lats: number[] = [];
        const lons: number[] = [];
        while (!m.done) {
          const k = m.varint();
          if (k === ((1 << 3) | 2)) m.packed(readSint, ids);
          else if (k === ((8 << 3) | 2)) m.packed(readSint, lats);
          else if (k === ((9 << 3) | 2)) m.packed(readSint, lons);
          else m.skip(k & 7);
        }
        if (lats.length !== ids.length || lons.length !== ids.length)
          fail('dense nodes with mismatched id/lat/lon arrays');
        let id = 0;
        let lat = 0;
        let lon = 0;
        for (let i = 0; i < ids.length; i++) {
          id += ids[i];
          lat += lats[i];
          lon += lons[i];
          st.nodeIds.set(id, st.points.add(toDeg(lonOffset, lon), toDeg(latOffset, lat)));
        }
      } else if (field === 3) {
        let id = 0;
        const keys: number[] = [];
        const vals: number[] = [];
        const refDeltas: number[] = [];
        while (!m.done) {
          const k = m.varint();
          if (k === 1 << 3) id = m.int64();
          else if (k === ((2 << 3) | 2)) m.packed(readVarint, keys);
          else if (k === ((3 << 3) | 2)) m.packed(readVarint, vals);
          else if (k === ((8 << 3) | 2)) m.packed(readSint, refDeltas);
          else m.skip(k & 7);
        }
        const tags = new Map<string, string>();
        readTags(keys, vals, strings, tags);
        if (!tags.has('highway')) continue;
        let ref = 0;
        const refIds = refDeltas.map((d) => (ref += d));
        st.rawWays.push({ id: String(id), refIds, tags });
      }
      // Relations and changesets carry nothing the car profile needs.
    }
  }
}

/**
 * Reads an OSM PBF file into the neutral draft form with a self-contained protobuf decoder.
 * Blocks may come in any order (unsorted files): node ids are resolved after the whole file
 * is read, unlike importers that silently drop ways seen before their nodes.
 *
 * @throws RoadNetworkImportError on empty, truncated, malformed or unsupported input.
 */
export function importOsmPbf(
  input: Uint8Array,
  options: OsmPbfImportOptions = {},
): RoadNetworkDraft {
  if (input.length === 0)
    throw new RoadNetworkImportError('empty-input', 'the file is empty', 'osm-pbf');
  const inflate = options.inflate ?? ((d: Uint8Array) => inflateSync(d));
  const st: BlockState = { nodeIds: new Map(), points: new PointStore(), rawWays: [] };
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  let pos = 0;
  let sawHeader = false;
  let blocks = 0;
  try {
    while (pos < input.length) {
      if (pos + 4 > input.length) fail('truncated blob header length');
      const headerLen = view.getUint32(pos);
      pos += 4;
      if (headerLen > 64 * 1024 || pos + headerLen > input.length)
        fail(`bad blob header length ${headerLen} at byte ${pos - 4}`);
      const h = new ProtobufReader(input, pos, pos + headerLen);
      let type = '';
      let dataSize = -1;
      while (!h.done) {
        const k = h.varint();
        if (k === ((1 << 3) | 2)) type = h.string();
        else if (k === 3 << 3) dataSize = h.varint();
        else h.skip(k & 7);
      }
      pos += headerLen;
      if (dataSize < 0 || pos + dataSize > input.length)
        fail(`blob of type "${type}" is truncated`);
      const block = readBlob(input, pos, pos + dataSize, inflate);
      pos += dataSize;
      if (type === 'OSMHeader') {
        checkHeader(block);
        sawHeader = true;
      } else if (type === 'OSMData') {
        readPrimitiveBlock(block, st);
        blocks++;
      }
    }
  } catch (e) {
    if (e instanceof RoadNetworkImportError) throw e;
    fail(`not a valid OSM PBF file (${(e as Error).message})`);
  }
  if (!sawHeader) fail('no OSMHeader block: not an OSM PBF file');
  if (blocks === 0 || (st.nodeIds.size === 0 && st.rawWays.length === 0)) {
    throw new RoadNetworkImportError(
      'empty-input',
      'the file holds no nodes and no ways',
      'osm-pbf',
    );
  }
  return resolveOsmDraft('osm-pbf', st.nodeIds, st.points, st.rawWays);
}
