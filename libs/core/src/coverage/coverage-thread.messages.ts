import type {
  CoverageArea,
  LiveCoverageResult,
  LiveCoverageSource,
  MoveUp,
  SnappedPoint,
} from '@ringcad/routing';
import type { GraphMessage } from '../roads';

/** What the coverage service asks its worker thread (answered in order, `GraphThread`). */
export type CoverageThreadRequest =
  | GraphMessage
  | {
      type: 'coverage';
      graphId: number;
      key: string;
      tiersSec: number[];
      sources: LiveCoverageSource[];
      /** Sent when they changed (`areasKey` names them); the thread keeps the last ones. */
      areasKey: string;
      areas?: CoverageArea[];
      atMs: number;
    }
  | {
      type: 'move-ups';
      graphId: number;
      units: { id: string; lon: number; lat: number; snap: SnappedPoint | null }[];
      standbyPoints: { id: string; lon: number; lat: number }[];
      tierSec: number;
      maxMoves: number;
      atMs: number;
      /**
       * The scheme whose live coverage (kept in the thread under this key, for these tiers)
       * already knows each node's nearest unit: used when it is kept, with the units that moved
       * since folded in.
       */
      coverage?: { key: string; tiersSec: number[] };
    };

/** A graph loaded, a coverage result (with each folded-in unit's seconds) or move-ups. */
export type CoverageThreadValue =
  null | { result: LiveCoverageResult; movedUnitSec: number[] } | MoveUp[];
