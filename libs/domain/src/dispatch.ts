import type { UnitStatus } from './units';

export const ASSIGNMENT_STATUSES = [
  'assigned',
  'acknowledged',
  'en_route',
  'on_scene',
  'cleared',
  'declined',
  'cancelled',
] as const;
export type AssignmentStatus = (typeof ASSIGNMENT_STATUSES)[number];

export const ASSIGNMENT_EVENT_TYPES = ['ack', 'depart', 'arrive', 'clear', 'decline'] as const;
export type AssignmentEventType = (typeof ASSIGNMENT_EVENT_TYPES)[number];

export const ASSIGNMENT_ROLES = ['primary', 'reinforcement', 'checkpoint'] as const;
export type AssignmentRole = (typeof ASSIGNMENT_ROLES)[number];
/** Roles a dispatcher picks when assigning to the scene; `checkpoint` comes with a checkpoint (封控). */
export const SCENE_ASSIGNMENT_ROLES = ['primary', 'reinforcement'] as const;

/** Statuses in which the unit is still bound to the incident. */
export const ACTIVE_ASSIGNMENT_STATUSES: readonly AssignmentStatus[] = [
  'assigned',
  'acknowledged',
  'en_route',
  'on_scene',
];

export function isActiveAssignment(status: AssignmentStatus): boolean {
  return ACTIVE_ASSIGNMENT_STATUSES.includes(status);
}

/**
 * The assignment state machine (签收 ack → 出发 depart → 到场 arrive → 反馈 clear, or decline).
 * A depart straight from `assigned` is accepted as an implicit acknowledgement, as terminals
 * in the field often skip the separate 签收 press; everything else must follow the order.
 */
const TRANSITIONS: Record<
  AssignmentEventType,
  { from: readonly AssignmentStatus[]; to: AssignmentStatus }
> = {
  ack: { from: ['assigned'], to: 'acknowledged' },
  depart: { from: ['assigned', 'acknowledged'], to: 'en_route' },
  arrive: { from: ['en_route'], to: 'on_scene' },
  clear: { from: ['on_scene'], to: 'cleared' },
  decline: { from: ['assigned', 'acknowledged'], to: 'declined' },
};

/** The status after `event`, or null when the transition is illegal. */
export function nextAssignmentStatus(
  current: AssignmentStatus,
  event: AssignmentEventType,
): AssignmentStatus | null {
  const t = TRANSITIONS[event];
  return t.from.includes(current) ? t.to : null;
}

/** The unit status that an assignment status implies. */
export function unitStatusForAssignment(status: AssignmentStatus): UnitStatus {
  switch (status) {
    case 'assigned':
    case 'acknowledged':
      return 'assigned';
    case 'en_route':
      return 'en_route';
    case 'on_scene':
      return 'on_scene';
    case 'cleared':
    case 'declined':
    case 'cancelled':
      return 'available';
  }
}

export const INCIDENT_STATUSES = [
  'new',
  'dispatched',
  'on_scene',
  'resolved',
  'closed',
  'cancelled',
  'merged',
] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const OPEN_INCIDENT_STATUSES: readonly IncidentStatus[] = [
  'new',
  'dispatched',
  'on_scene',
  'resolved',
];
/** Statuses after which nothing more happens on an incident (a merged one lives on in its master). */
export const TERMINAL_INCIDENT_STATUSES: readonly IncidentStatus[] = [
  'closed',
  'cancelled',
  'merged',
];

/** The one incident-open check: false for closed, cancelled and merged incidents. */
export function isIncidentOpen(status: string): boolean {
  return (OPEN_INCIDENT_STATUSES as readonly string[]).includes(status);
}

/**
 * Incident status follows its assignments while the incident is open:
 * any unit on scene → on_scene; any unit still active → dispatched; all done with at least one
 * cleared → resolved; nothing but declines (or nothing at all) → back to new, so the queue shows it
 * as waiting for units again.
 */
export function incidentStatusFromAssignments(
  current: IncidentStatus,
  assignmentStatuses: readonly AssignmentStatus[],
): IncidentStatus {
  if (TERMINAL_INCIDENT_STATUSES.includes(current)) return current;
  if (assignmentStatuses.includes('on_scene')) return 'on_scene';
  if (assignmentStatuses.some((s) => isActiveAssignment(s))) {
    // once someone has been on scene and others are still coming, stay on scene
    return current === 'on_scene' ||
      (current === 'resolved' && assignmentStatuses.includes('cleared'))
      ? 'on_scene'
      : 'dispatched';
  }
  if (assignmentStatuses.includes('cleared')) return 'resolved';
  return 'new';
}
