import { tiersMet, type RingScheme } from './rings';
import type { UnitKind } from './units';

export interface MetricInput {
  receivedAt: Date;
  createdAt: Date;
  assignments: readonly {
    unitKind: UnitKind;
    assignedAt: Date;
    ackedAt: Date | null;
    departedAt: Date | null;
    arrivedAt: Date | null;
    clearedAt: Date | null;
  }[];
}

export interface IncidentMetrics {
  /** Call received → incident created (接警 to 立案). */
  answerSec: number;
  /** Incident created → first unit assigned. */
  dispatchSec: number | null;
  /** First dispatch → first acknowledgement. */
  ackSec: number | null;
  /** First dispatch → first departure. */
  departSec: number | null;
  /** First dispatch → first arrival. */
  firstArriveSec: number | null;
  /** First dispatch → last clear. */
  clearSec: number | null;
  tiersMet: boolean[];
}

const secondsBetween = (a: Date, b: Date) => Math.round((b.getTime() - a.getTime()) / 100) / 10;

function earliest(dates: (Date | null)[]): Date | null {
  let best: Date | null = null;
  for (const d of dates) if (d && (!best || d < best)) best = d;
  return best;
}

/** Response-time metrics of one incident, measured from the first dispatch as the rings are. */
export function computeIncidentMetrics(input: MetricInput, scheme: RingScheme): IncidentMetrics {
  const firstDispatch = earliest(input.assignments.map((a) => a.assignedAt));
  const since = (d: Date | null) => (firstDispatch && d ? secondsBetween(firstDispatch, d) : null);
  const clears = input.assignments.map((a) => a.clearedAt).filter((d): d is Date => d !== null);
  const lastClear = clears.length ? new Date(Math.max(...clears.map((d) => d.getTime()))) : null;
  const arrivals = firstDispatch
    ? input.assignments
        .filter((a) => a.arrivedAt)
        .map((a) => ({
          unitKind: a.unitKind,
          afterSec: secondsBetween(firstDispatch, a.arrivedAt as Date),
        }))
    : [];
  return {
    answerSec: secondsBetween(input.receivedAt, input.createdAt),
    dispatchSec: firstDispatch ? secondsBetween(input.createdAt, firstDispatch) : null,
    ackSec: since(earliest(input.assignments.map((a) => a.ackedAt ?? a.departedAt))),
    departSec: since(earliest(input.assignments.map((a) => a.departedAt))),
    firstArriveSec: since(earliest(input.assignments.map((a) => a.arrivedAt))),
    clearSec: since(lastClear),
    tiersMet: tiersMet(scheme, arrivals),
  };
}
