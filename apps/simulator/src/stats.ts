/** Running totals for the one-line summary and for tests; counts only, no personal data. */
export interface SimStats {
  callsCreated: number;
  callErrors: number;
  tasksReceived: number;
  tasksCompleted: number;
  taskRefusals: number;
  positionsSent: number;
  positionErrors: number;
  dispatches: number;
  dispatchErrors: number;
  closes: number;
}

export function emptyStats(): SimStats {
  return {
    callsCreated: 0,
    callErrors: 0,
    tasksReceived: 0,
    tasksCompleted: 0,
    taskRefusals: 0,
    positionsSent: 0,
    positionErrors: 0,
    dispatches: 0,
    dispatchErrors: 0,
    closes: 0,
  };
}
