import { IncrementalCoverageFigures, type CoverageArea, type CoverageResult } from './coverage';
import { IncrementalCoverage } from './coverage-incremental';
import { edgeCosts, type EdgeCosts } from './edge-costs';
import type { RoadGraph } from './road-graph';
import { sameSnap, type SnappedPoint } from './snap';

/** A coverage source as the live state sees it: its id and where it joins the road network. */
export interface LiveCoverageSource {
  id: string;
  lon: number;
  lat: number;
  snap: SnappedPoint | null;
}

export interface LiveCoverageRequest {
  /** What the live node times are kept under (a ring scheme's id). */
  key: string;
  tiersSec: readonly number[];
  sources: readonly LiveCoverageSource[];
  areas?: readonly CoverageArea[];
  at: Date;
}

/** {@link CoverageResult} without the node times (they stay with the live state). */
export type LiveCoverageResult = Omit<CoverageResult, 'nodeSec'>;

/**
 * Coverage kept live per key (scheme): node times from the nearest source up to the largest
 * tier, built with one search for a new key, bound or speed band, then only the sources whose
 * snap changed (or that came or went) are folded in ({@link IncrementalCoverage}); the tiers,
 * areas and blind spots follow those times ({@link IncrementalCoverageFigures}: re-burnt and
 * re-counted only around the segments whose times changed; laid out again when the tiers or
 * the areas change). The coverage worker thread holds one per road graph.
 */
/** One key's live node times, the snaps they were searched from and the figures kept on them. */
interface LiveEntry {
  inc: IncrementalCoverage;
  costs: EdgeCosts;
  snaps: Map<string, SnappedPoint | null>;
  figures: IncrementalCoverageFigures | null;
  /** Nodes the folds touched since the figures were last brought up to date. */
  pending: number[];
}

export class LiveCoverage {
  private readonly live = new Map<string, LiveEntry>();

  constructor(readonly graph: RoadGraph) {}

  /**
   * Coverage for the request's sources; `movedUnitSec` has the seconds each source folded in
   * took (none when the live times were rebuilt with one search).
   */
  compute(req: LiveCoverageRequest): { result: LiveCoverageResult; movedUnitSec: number[] } {
    const graph = this.graph;
    const maxSec = Math.max(...req.tiersSec);
    const costs = edgeCosts(graph, undefined, req.at);
    let movedUnitSec: number[] = [];
    /** Nodes the folds touched (null: the node times were searched afresh). */
    let changed: number[] | null = null;
    let live = this.kept(req);
    if (!live) {
      const inc = new IncrementalCoverage(graph, maxSec, { at: req.at });
      inc.reset(req.sources);
      live = {
        inc,
        costs,
        snaps: new Map(req.sources.map((s) => [s.id, s.snap])),
        figures: null,
        pending: [],
      };
      this.live.set(req.key, live);
    } else {
      movedUnitSec = this.fold(live, req.sources);
      changed = live.pending;
      live.pending = [];
    }
    const areas = req.areas ?? [];
    // figures laid out for other node times (a fresh search) or other tiers/areas start over
    const f = changed ? live.figures : null;
    if (
      !f ||
      f.edgeCosts !== costs ||
      f.tiersSec.length !== req.tiersSec.length ||
      f.tiersSec.some((t, k) => t !== req.tiersSec[k]) ||
      f.areas.length !== areas.length ||
      f.areas.some((a, k) => a !== areas[k])
    )
      live.figures = new IncrementalCoverageFigures(graph, [...req.tiersSec], {
        areas,
        at: req.at,
      });
    // more touched nodes than the city has (folds piled up between computes): all compared
    const result: LiveCoverageResult = live.figures!.update(
      live.inc.nodeSec,
      req.sources,
      changed && changed.length <= graph.nodeCount ? changed : undefined,
    );
    return { result, movedUnitSec };
  }

  /**
   * Each node's nearest source among the request's sources (its index in `sources`, -1: none
   * within the largest tier) and the seconds from it: the key's live node times with the
   * sources that moved, came or went since folded in (the next {@link compute} re-counts the
   * figures around them). Null when no live times are kept for the key, its largest tier and
   * the speed band of `at` (nothing is searched then), or when two sources share an id.
   */
  nearestSources(
    req: Omit<LiveCoverageRequest, 'areas'>,
  ): { sec: Float64Array; source: Int32Array; costs: EdgeCosts; accessKmh: number } | null {
    const live = this.kept(req);
    if (!live || new Set(req.sources.map((s) => s.id)).size !== req.sources.length) return null;
    this.fold(live, req.sources);
    const { inc } = live;
    const indexOfSlot = new Int32Array(inc.slotCount).fill(-1);
    req.sources.forEach((s, i) => (indexOfSlot[inc.slotOfId(s.id)] = i));
    const source = new Int32Array(this.graph.nodeCount);
    for (let v = 0; v < source.length; v++)
      source[v] = inc.owner[v] >= 0 ? indexOfSlot[inc.owner[v]] : -1;
    return { sec: inc.nodeSec, source, costs: live.costs, accessKmh: inc.accessKmh };
  }

  /** The key's live node times when they are kept for its largest tier and speed band. */
  private kept(req: Omit<LiveCoverageRequest, 'areas'>): LiveEntry | null {
    const live = this.live.get(req.key);
    const costs = edgeCosts(this.graph, undefined, req.at);
    return live && live.inc.maxSec === Math.max(...req.tiersSec) && live.costs === costs
      ? live
      : null;
  }

  /**
   * Folds the sources whose snap changed, that came or that went into the live node times;
   * the nodes touched are added to `pending`. Returns the seconds each fold took.
   */
  private fold(live: LiveEntry, sources: readonly LiveCoverageSource[]): number[] {
    const movedUnitSec: number[] = [];
    const touched = (inc: IncrementalCoverage): void => {
      if (live.pending.length > this.graph.nodeCount) return;
      for (let k = 0; k < inc.changedCount; k++) live.pending.push(inc.changed[k]);
    };
    const seen = new Set<string>();
    for (const s of sources) {
      seen.add(s.id);
      if (live.snaps.has(s.id) && sameSnap(live.snaps.get(s.id)!, s.snap)) continue;
      const t0 = performance.now();
      live.inc.move(s.id, s.snap);
      movedUnitSec.push((performance.now() - t0) / 1000);
      touched(live.inc);
      live.snaps.set(s.id, s.snap);
    }
    for (const id of [...live.snaps.keys()])
      if (!seen.has(id)) {
        const t0 = performance.now();
        live.inc.remove(id);
        movedUnitSec.push((performance.now() - t0) / 1000);
        touched(live.inc);
        live.snaps.delete(id);
      }
    return movedUnitSec;
  }
}
