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
export class LiveCoverage {
  private readonly live = new Map<
    string,
    {
      inc: IncrementalCoverage;
      costs: EdgeCosts;
      snaps: Map<string, SnappedPoint | null>;
      figures: IncrementalCoverageFigures | null;
    }
  >();

  constructor(readonly graph: RoadGraph) {}

  /**
   * Coverage for the request's sources; `movedUnitSec` has the seconds each source folded in
   * took (none when the live times were rebuilt with one search).
   */
  compute(req: LiveCoverageRequest): { result: LiveCoverageResult; movedUnitSec: number[] } {
    const graph = this.graph;
    const maxSec = Math.max(...req.tiersSec);
    const costs = edgeCosts(graph, undefined, req.at);
    const movedUnitSec: number[] = [];
    /** Nodes the folds touched (null: the node times were searched afresh). */
    let changed: number[] | null = null;
    let live = this.live.get(req.key);
    if (!live || live.inc.maxSec !== maxSec || live.costs !== costs) {
      const inc = new IncrementalCoverage(graph, maxSec, { at: req.at });
      inc.reset(req.sources);
      live = {
        inc,
        costs,
        snaps: new Map(req.sources.map((s) => [s.id, s.snap])),
        figures: null,
      };
      this.live.set(req.key, live);
    } else {
      changed = [];
      const touched = (inc: IncrementalCoverage): void => {
        for (let k = 0; k < inc.changedCount; k++) changed!.push(inc.changed[k]);
      };
      const seen = new Set<string>();
      for (const s of req.sources) {
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
    const result: LiveCoverageResult = live.figures!.update(
      live.inc.nodeSec,
      req.sources,
      changed ?? undefined,
    );
    return { result, movedUnitSec };
  }
}
