import type { MoveUp } from '../move-ups';

/** Demand covered by the union of the reach sets. */
function coveredDemand(
  covers: readonly ArrayLike<number>[],
  demand: ArrayLike<number>,
  nodeCount: number,
): number {
  const seen = new Uint8Array(nodeCount);
  let d = 0;
  for (const c of covers)
    for (let k = 0; k < c.length; k++)
      if (!seen[c[k]]) {
        seen[c[k]] = 1;
        d += demand[c[k]];
      }
  return d;
}

/**
 * Brute force for greedy move-ups (the specs' oracle): replays the suggested moves on one reach
 * set per unit and standby point and, before each, tries every (unit not yet moved, free point)
 * pair against the state after the earlier moves. Per move: the demand it gains, the best any
 * single move could gain, the demand covered after it, and whether it reuses a unit or point.
 */
export function bruteForceMoveUps(
  moves: readonly MoveUp[],
  unitIds: readonly string[],
  standbyIds: readonly string[],
  unitCover: readonly ArrayLike<number>[],
  standbyCover: readonly ArrayLike<number>[],
  demand: ArrayLike<number>,
  nodeCount: number,
): { gain: number; best: number; covered: number; reuses: boolean }[] {
  const state = [...unitCover];
  const moved = new Set<number>();
  const used = new Set<number>();
  return moves.map((m) => {
    const base = coveredDemand(state, demand, nodeCount);
    let best = 0;
    for (let u = 0; u < unitIds.length; u++) {
      if (moved.has(u)) continue;
      for (let s = 0; s < standbyIds.length; s++) {
        if (used.has(s)) continue;
        const trial = [...state];
        trial[u] = standbyCover[s];
        best = Math.max(best, coveredDemand(trial, demand, nodeCount) - base);
      }
    }
    const u = unitIds.indexOf(m.unitId);
    const s = standbyIds.indexOf(m.to.standbyPointId);
    const reuses = u < 0 || s < 0 || moved.has(u) || used.has(s);
    state[u] = standbyCover[s];
    moved.add(u);
    used.add(s);
    const covered = coveredDemand(state, demand, nodeCount);
    return { gain: covered - base, best, covered, reuses };
  });
}
