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

/** How far a streamed PBF import has got. */
export interface OsmPbfProgress {
  bytesRead: number;
  blocks: number;
  nodes: number;
  highwayWays: number;
}

/**
 * A PBF import fed in pieces of any size (a file read chunk by chunk, an upload as it
 * arrives): each blob is decoded as soon as it is complete and its bytes dropped, so memory
 * holds one blob plus what the road network needs (node positions, highway ways), never the
 * whole file. Blocks may come in any order (unsorted files): node ids are resolved in
 * {@link OsmPbfStreamImport.finish}, unlike importers that silently drop ways seen before
 * their nodes.
 */
export class OsmPbfStreamImport {
  private readonly inflate: NonNullable<OsmPbfImportOptions['inflate']>;
  private readonly st: BlockState = { nodeIds: new Map(), points: new PointStore(), rawWays: [] };
  private pending: Uint8Array = new Uint8Array(0);
  private sawHeader = false;
  private blocks = 0;
  private bytesRead = 0;
  /** Bytes before `pending` (for error positions). */
  private consumed = 0;

  constructor(options: OsmPbfImportOptions = {}) {
    this.inflate = options.inflate ?? ((d: Uint8Array) => inflateSync(d));
  }

  get progress(): OsmPbfProgress {
    return {
      bytesRead: this.bytesRead,
      blocks: this.blocks,
      nodes: this.st.nodeIds.size,
      highwayWays: this.st.rawWays.length,
    };
  }

  /** Feeds the next bytes of the file; decodes every blob they complete. */
  push(chunk: Uint8Array): void {
    this.bytesRead += chunk.length;
    let buf: Uint8Array;
    if (this.pending.length === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending, 0);
      buf.set(chunk, this.pending.length);
    }
    let pos = 0;
    try {
      for (;;) {
        const used = this.nextBlob(buf, pos);
        if (used === 0) break;
        pos += used;
      }
    } catch (e) {
      if (e instanceof RoadNetworkImportError) throw e;
      fail(`not a valid OSM PBF file (${(e as Error).message})`);
    }
    this.consumed += pos;
    // keep only the incomplete tail, copied: the caller may reuse its chunk (and a Node
    // Buffer's slice() would be a view, not a copy)
    this.pending = Uint8Array.prototype.slice.call(buf, pos);
  }

  /** The draft, once the whole file has been pushed. */
  finish(): RoadNetworkDraft {
    if (this.bytesRead === 0)
      throw new RoadNetworkImportError('empty-input', 'the file is empty', 'osm-pbf');
    if (this.pending.length > 0) {
      if (!this.sawHeader && this.blocks === 0) fail('not a valid OSM PBF file (no complete blob)');
      fail(`blob at byte ${this.consumed} is truncated`);
    }
    if (!this.sawHeader) fail('no OSMHeader block: not an OSM PBF file');
    if (this.blocks === 0 || (this.st.nodeIds.size === 0 && this.st.rawWays.length === 0)) {
      throw new RoadNetworkImportError(
        'empty-input',
        'the file holds no nodes and no ways',
        'osm-pbf',
      );
    }
    return resolveOsmDraft('osm-pbf', this.st.nodeIds, this.st.points, this.st.rawWays);
  }

  /** Decodes the blob starting at `pos` if it is complete; returns the bytes used (0: wait). */
  private nextBlob(buf: Uint8Array, pos: number): number {
    if (pos + 4 > buf.length) return 0;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const headerLen = view.getUint32(pos);
    if (headerLen > 64 * 1024)
      fail(`bad blob header length ${headerLen} at byte ${this.consumed + pos}`);
    if (pos + 4 + headerLen > buf.length) return 0;
    const h = new ProtobufReader(buf, pos + 4, pos + 4 + headerLen);
    let type = '';
    let dataSize = -1;
    while (!h.done) {
      const k = h.varint();
      if (k === ((1 << 3) | 2)) type = h.string();
      else if (k === 3 << 3) dataSize = h.varint();
      else h.skip(k & 7);
    }
    if (dataSize < 0) fail(`blob of type "${type}" without a data size`);
    if (dataSize > 64 * 1024 * 1024) fail(`blob of ${dataSize} bytes is larger than PBF allows`);
    const start = pos + 4 + headerLen;
    if (start + dataSize > buf.length) return 0;
    const block = readBlob(buf, start, start + dataSize, this.inflate);
    if (type === 'OSMHeader') {
      checkHeader(block);
      this.sawHeader = true;
    } else if (type === 'OSMData') {
      readPrimitiveBlock(block, this.st);
      this.blocks++;
    }
    return 4 + headerLen + dataSize;
  }
}

/**
 * Reads an OSM PBF file held in memory into the neutral draft form (see
 * {@link OsmPbfStreamImport} to read one chunk by chunk).
 *
 * @throws RoadNetworkImportError on empty, truncated, malformed or unsupported input.
 */
export function importOsmPbf(
  input: Uint8Array,
  options: OsmPbfImportOptions = {},
): RoadNetworkDraft {
  const stream = new OsmPbfStreamImport(options);
  stream.push(input);
  return stream.finish();
}
