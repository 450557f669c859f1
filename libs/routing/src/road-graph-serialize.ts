import { assembleRoadGraph, type RoadGraph, type RoadGraphCore } from './road-graph';
import { RoadNetworkImportError } from './road-network-draft';

const MAGIC = 0x47524352; // "RCRG" little-endian
const VERSION = 1;

type ArrayKey = Exclude<keyof RoadGraphCore, 'names' | 'partialStats'>;
const ARRAYS: [
  ArrayKey,
  Float64ArrayConstructor | Float32ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor,
][] = [
  ['nodeLon', Float64Array],
  ['nodeLat', Float64Array],
  ['segFrom', Int32Array],
  ['segTo', Int32Array],
  ['segLengthM', Float64Array],
  ['segClass', Uint8Array],
  ['segMaxspeedKmh', Float32Array],
  ['segBaseSpeedKmh', Float32Array],
  ['segDirection', Uint8Array],
  ['segName', Int32Array],
  ['segGeomStart', Int32Array],
  ['geomLon', Float64Array],
  ['geomLat', Float64Array],
];

/**
 * Serialises the stored part of a graph into one ArrayBuffer (adjacency and components are
 * rebuilt on load, in tens of milliseconds, so the cache stays small and cannot disagree).
 */
export function serializeRoadGraph(graph: RoadGraph): ArrayBuffer {
  return writeRoadGraph(graph, (size) => new ArrayBuffer(size));
}

/**
 * The same bytes in a SharedArrayBuffer, for another thread to read without a copy
 * ({@link openSharedRoadGraph} there).
 */
export function shareRoadGraph(graph: RoadGraph): SharedArrayBuffer {
  return writeRoadGraph(graph, (size) => new SharedArrayBuffer(size));
}

const shared = new WeakMap<RoadGraph, { id: number; buffer: SharedArrayBuffer }>();
let nextSharedId = 1;

/**
 * One shared copy of a graph, however many threads read it, with an id that names it to them
 * (the road graph message a routing or coverage thread is sent once).
 */
export function sharedRoadGraph(graph: RoadGraph): { id: number; buffer: SharedArrayBuffer } {
  let s = shared.get(graph);
  if (!s) {
    s = { id: nextSharedId++, buffer: shareRoadGraph(graph) };
    shared.set(graph, s);
  }
  return s;
}

function writeRoadGraph<B extends ArrayBuffer | SharedArrayBuffer>(
  graph: RoadGraph,
  alloc: (size: number) => B,
): B {
  const header = new TextEncoder().encode(
    JSON.stringify({
      names: graph.names,
      partialStats: {
        format: graph.stats.format,
        highwayWays: graph.stats.highwayWays,
        drivableWays: graph.stats.drivableWays,
        missingRefs: graph.stats.missingRefs,
      },
      lengths: ARRAYS.map(([k]) => graph[k].length),
    }),
  );
  let size = 12 + header.length;
  size = Math.ceil(size / 8) * 8;
  const offsets: number[] = [];
  for (const [k] of ARRAYS) {
    offsets.push(size);
    size = Math.ceil((size + graph[k].byteLength) / 8) * 8;
  }
  const buf = alloc(size);
  const view = new DataView(buf);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, header.length, true);
  new Uint8Array(buf, 12, header.length).set(header);
  ARRAYS.forEach(([k], i) => {
    const a = graph[k];
    new Uint8Array(buf, offsets[i], a.byteLength).set(
      new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
    );
  });
  return buf;
}

/**
 * Restores a graph written by {@link serializeRoadGraph}.
 * @throws RoadNetworkImportError when the buffer is not a serialised graph of this version.
 */
export function deserializeRoadGraph(buf: ArrayBuffer): RoadGraph {
  return readRoadGraph(buf, false);
}

/**
 * A graph over the bytes {@link shareRoadGraph} wrote, read in place: its arrays are views of
 * the SharedArrayBuffer (no copy), which no thread may write to.
 */
export function openSharedRoadGraph(buf: SharedArrayBuffer): RoadGraph {
  return readRoadGraph(buf, true);
}

function readRoadGraph(buf: ArrayBuffer | SharedArrayBuffer, share: boolean): RoadGraph {
  const view = new DataView(buf);
  if (buf.byteLength < 12 || view.getUint32(0, true) !== MAGIC) {
    throw new RoadNetworkImportError('malformed', 'not a serialised RingCAD road graph');
  }
  if (view.getUint32(4, true) !== VERSION) {
    throw new RoadNetworkImportError(
      'unsupported',
      `serialised road graph version ${view.getUint32(4, true)}, expected ${VERSION}`,
    );
  }
  const headerLen = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 12, headerLen))) as {
    names: string[];
    partialStats: RoadGraphCore['partialStats'];
    lengths: number[];
  };
  let pos = Math.ceil((12 + headerLen) / 8) * 8;
  const core = { names: header.names, partialStats: header.partialStats } as RoadGraphCore;
  ARRAYS.forEach(([k, Ctor], i) => {
    const n = header.lengths[i];
    // Copy out so the graph does not pin (or alias) the caller's buffer, unless asked to share
    // it (a SharedArrayBuffer read by several threads: every array starts 8-byte aligned).
    (core as unknown as Record<string, unknown>)[k] = share
      ? new Ctor(buf as ArrayBuffer, pos, n)
      : new Ctor((buf as ArrayBuffer).slice(pos, pos + n * Ctor.BYTES_PER_ELEMENT));
    pos = Math.ceil((pos + n * Ctor.BYTES_PER_ELEMENT) / 8) * 8;
  });
  return assembleRoadGraph(core);
}
