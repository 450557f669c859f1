// 指挥长席 KPIs computed from the reports route: each figure is defined once here (the seat shows
// the definition beside it), so the seat, its tests and the README say the same thing.
import type { ResponseTimeGroup } from '@ringcad/contracts';
import { DEFAULT_SCHEME_BY_PRIORITY, type Priority } from '@ringcad/domain';

/** Which scheme judges each priority's incidents (P1 5-10-30, P2/P3 1-3-8). */
export const KPI_SCHEME_BY_PRIORITY = DEFAULT_SCHEME_BY_PRIORITY;

/** The schemes the ring KPI needs reports of, each with the priorities it judges. */
export function kpiSchemes(): { scheme: string; priorities: Priority[] }[] {
  const by = new Map<string, Priority[]>();
  for (const [p, scheme] of Object.entries(KPI_SCHEME_BY_PRIORITY))
    by.set(scheme, [...(by.get(scheme) ?? []), Number(p) as Priority]);
  return [...by].map(([scheme, priorities]) => ({ scheme, priorities }));
}

export interface RingMetFigure {
  /** Incidents (today) with a unit on scene. */
  arrived: number;
  /** Of those, whose response met at least one tier of their priority's scheme. */
  met: number;
  /** met / arrived in %, null while nothing arrived. */
  pct: number | null;
}

/**
 * 处置圈达标率: of the incidents a unit reached, the share whose response met at least one tier of
 * the scheme its priority is held to — per priority group of a `groupBy=priority` report run with
 * that scheme. (It used to read the innermost tier of 1-3-8 alone — one minute, foot patrols and
 * kiosks only — over every dispatched incident, so a car on scene in two minutes counted as a miss.)
 */
export function ringMetFigure(
  reports: { scheme: string; groups: Pick<ResponseTimeGroup, 'key' | 'arrived' | 'ringMet'>[] }[],
): RingMetFigure {
  let arrived = 0;
  let met = 0;
  for (const r of reports) {
    for (const g of r.groups) {
      const priority = Number(g.key) as Priority;
      if (KPI_SCHEME_BY_PRIORITY[priority] !== r.scheme) continue;
      arrived += g.arrived;
      met += g.ringMet;
    }
  }
  return { arrived, met, pct: arrived ? (met / arrived) * 100 : null };
}
