/**
 * The queue of the bucket searches ({@link runBucketSearch}, {@link runBucketTimes},
 * {@link TwoNearestSources}): entries (node, source, seconds) in buckets `width` seconds wide,
 * each bucket a linked list of entries drawn from a pool that recycles popped entries and
 * doubles when full. Push and pop are O(1); the searches scan a bucket in no particular order
 * and correct labels that improve after their scan, so the times stay exactly Dijkstra's.
 *
 * One place for the push, the pop and the pool's growth that every bucket search used to write
 * out by hand. The methods are small enough for the optimiser to inline in a search's hot loop
 * (so a double argument is not boxed); a caller reads an entry's fields right after popping it,
 * before its next push can hand the entry out again.
 */
export class BucketQueue {
  /** First entry of each bucket (-1: empty). */
  head: Int32Array;
  node: Int32Array;
  src: Int32Array;
  key: Float64Array;
  next: Int32Array;
  /** Entries ever handed out since the last {@link drained}. */
  private used = 0;
  /** Recycled entries (a list through `next`). */
  private free = -1;
  /** The lowest bucket pushed to since the last {@link drained} (Infinity: none). */
  low = Infinity;

  constructor(
    buckets: number,
    readonly width: number,
    capacity: number,
  ) {
    this.head = new Int32Array(buckets).fill(-1);
    this.node = new Int32Array(capacity);
    this.src = new Int32Array(capacity);
    this.key = new Float64Array(capacity);
    this.next = new Int32Array(capacity);
  }

  /** Starts afresh with at least `buckets` buckets, all empty, and every entry free. */
  clear(buckets: number): void {
    if (this.head.length < buckets) this.head = new Int32Array(buckets);
    this.head.fill(-1, 0, buckets);
    this.drained();
  }

  /** Queues node v at `t` seconds for source s (in t's bucket). */
  push(v: number, s: number, t: number): void {
    let e = this.free;
    if (e >= 0) this.free = this.next[e];
    else {
      if (this.used === this.node.length) this.grow();
      e = this.used++;
    }
    const b = Math.floor(t / this.width);
    this.node[e] = v;
    this.src[e] = s;
    this.key[e] = t;
    this.next[e] = this.head[b];
    this.head[b] = e;
    if (b < this.low) this.low = b;
  }

  /**
   * Takes an entry out of bucket b (-1: the bucket is empty). The entry is recycled: read its
   * node, source and key before pushing again.
   */
  pop(b: number): number {
    const e = this.head[b];
    if (e >= 0) {
      this.head[b] = this.next[e];
      this.next[e] = this.free;
      this.free = e;
    }
    return e;
  }

  /** After a sweep emptied every bucket: all entries are free again, nothing is queued. */
  drained(): void {
    this.low = Infinity;
    this.used = 0;
    this.free = -1;
  }

  private grow(): void {
    const n = this.node.length * 2;
    const node = new Int32Array(n);
    node.set(this.node);
    const src = new Int32Array(n);
    src.set(this.src);
    const key = new Float64Array(n);
    key.set(this.key);
    const next = new Int32Array(n);
    next.set(this.next);
    this.node = node;
    this.src = src;
    this.key = key;
    this.next = next;
  }
}
