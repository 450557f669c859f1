import type { EdgeCosts } from './edge-costs';

/** Most buckets of a search: the bitmaps of a 260k-node city then take 2 MB. */
const MAX_SWEEP_BUCKETS = 64;

/**
 * The queue of a search over every node of a city ({@link TwoNearestSources}' passes): buckets
 * of time `width` seconds wide, each a bitmap over the node ids, so a bucket is scanned in node
 * order. The graph numbers its nodes along a space-filling curve, so a bucket's nodes (rings
 * around every source) are met in runs of neighbouring ids and the node and edge arrays are read
 * nearly in order instead of at random: about half the cost of taking them out of a list in
 * push order, when most of the city is searched.
 *
 * The search is label-correcting inside a bucket (a node improved by another of the same bucket
 * is set again and scanned again, later in the same scan or in the next one), so its times are
 * exactly Dijkstra's whatever the width; wide buckets rescan more, narrow ones scan more empty
 * words. A search leaves every bitmap empty (each set bit is taken when its bucket is scanned).
 * The scan loops are written out in the searches (a call per bit would cost more than the bit).
 */
export class SweepBuckets {
  /** 32-bit words per bitmap. */
  readonly words: number;
  /** One bitmap per bucket (as many as the widest search so far asked for). */
  maps: Int32Array[] = [];
  /** Per bucket: the lowest and highest word with a bit set since its last scan began. */
  lo = new Int32Array(0);
  hi = new Int32Array(0);
  /** 1 / width: a time's bucket is floor(t * inv), the same product everywhere. */
  inv = 1;
  /** Buckets of the current search (the last holds maxSec). */
  count = 0;

  constructor(nodeCount: number) {
    this.words = (nodeCount + 31) >>> 5;
  }

  /** Starts a search bounded by `maxSec`, in buckets about `width` seconds wide (or wider). */
  begin(maxSec: number, width: number): void {
    const w = Math.max(width, maxSec / (MAX_SWEEP_BUCKETS - 1), 1e-3);
    this.inv = 1 / w;
    this.count = Math.floor(maxSec * this.inv) + 1;
    while (this.maps.length < this.count) this.maps.push(new Int32Array(this.words));
    if (this.lo.length < this.count) {
      this.lo = new Int32Array(this.count);
      this.hi = new Int32Array(this.count);
    }
    this.lo.fill(this.words, 0, this.count);
    this.hi.fill(-1, 0, this.count);
  }

  /** Queues node v at `t` seconds (t ≤ the search's maxSec). */
  add(v: number, t: number): void {
    const b = Math.floor(t * this.inv);
    const i = v >>> 5;
    this.maps[b][i] |= 1 << (v & 31);
    if (i < this.lo[b]) this.lo[b] = i;
    if (i > this.hi[b]) this.hi[b] = i;
  }
}

/** Per edge costs: the width that scans fastest (see {@link sweepWidth}). */
const widths = new WeakMap<EdgeCosts, number>();

/**
 * A bucket width for searches over these costs: the median edge's driving time (from an even
 * sample of the edges), so most relaxations land in a later bucket and few nodes are scanned
 * twice, while a bucket still holds rings wide enough to be read in runs.
 */
export function sweepWidth(costs: EdgeCosts): number {
  let w = widths.get(costs);
  if (w === undefined) {
    const c = costs.fwdCost;
    const step = Math.max(1, Math.floor(c.length / 4096));
    const sample: number[] = [];
    for (let k = 0; k < c.length; k += step) sample.push(c[k]);
    sample.sort((a, b) => a - b);
    w = sample.length ? sample[sample.length >> 1] : 1;
    if (!(w > 0)) w = 1;
    widths.set(costs, w);
  }
  return w;
}

/**
 * The forward search of a sweep begun with {@link SweepBuckets.begin} and seeded with
 * {@link SweepBuckets.add} (each seed's time already in `T`, its source in `S`): every node ends
 * at the least, over its in-edges, of the tail's time plus the edge cost (within `maxSec`, else
 * as it was), taking the source of the tail it was last improved from. A node whose time
 * improves after its scan is set again and scanned again, so the times are Dijkstra's, added up
 * edge by edge the same way, and a node's source is one reaching it in that time, passed on
 * from the tail's final label. With `region` (a source per node), only edges between two nodes
 * of the same region are followed (the second-nearest search of {@link TwoNearestSources}).
 */
export function sweepSearch(
  sweep: SweepBuckets,
  fwdOffsets: Int32Array,
  fwdTargets: Int32Array,
  cost: Float32Array,
  maxSec: number,
  T: Float64Array,
  S: Int32Array,
  region: Int32Array | null,
): void {
  const { maps, lo, hi, inv, count, words } = sweep;
  const inRegion = region !== null;
  const s1 = region ?? S;
  for (let b = 0; b < count; b++) {
    const m = maps[b];
    // rescans while nodes of this bucket were set below the scan's position
    for (let l = lo[b], h = hi[b]; l <= h; l = lo[b], h = hi[b]) {
      lo[b] = words;
      hi[b] = -1;
      for (let i = l; i <= h; i++) {
        for (let word = m[i]; word !== 0; word = m[i]) {
          const bit = word & -word;
          m[i] = word ^ bit;
          const v = (i << 5) | (31 - Math.clz32(bit));
          const t = T[v];
          // improved into an earlier bucket since: scanned there
          if (Math.floor(t * inv) < b) continue;
          const s = S[v];
          const s0 = s1[v];
          for (let k = fwdOffsets[v], end = fwdOffsets[v + 1]; k < end; k++) {
            const w = fwdTargets[k];
            // across two regions the nearest's own time, offered before, is never worse
            if (inRegion && s1[w] !== s0) continue;
            const nt = t + cost[k];
            if (nt > maxSec || !(nt < T[w])) continue;
            T[w] = nt;
            S[w] = s;
            const nb = Math.floor(nt * inv);
            const wi = w >>> 5;
            maps[nb][wi] |= 1 << (w & 31);
            // ahead in this very scan (its word is read again when reached), else noted
            if (nb === b && wi >= i) {
              if (wi > h) h = wi;
            } else {
              if (wi < lo[nb]) lo[nb] = wi;
              if (wi > hi[nb]) hi[nb] = wi;
            }
          }
        }
      }
    }
  }
}
