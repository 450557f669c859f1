import {
  ASSIGNMENT_EVENT_TYPES,
  ASSIGNMENT_STATUSES,
  incidentStatusFromAssignments,
  nextAssignmentStatus,
  unitStatusForAssignment,
  type AssignmentEventType,
  type AssignmentStatus,
} from './dispatch';

const LEGAL: Record<string, AssignmentStatus> = {
  'assigned+ack': 'acknowledged',
  'assigned+depart': 'en_route',
  'assigned+decline': 'declined',
  'acknowledged+depart': 'en_route',
  'acknowledged+decline': 'declined',
  'en_route+arrive': 'on_scene',
  'on_scene+clear': 'cleared',
};

describe('assignment state machine', () => {
  const all = ASSIGNMENT_STATUSES.flatMap((s) =>
    ASSIGNMENT_EVENT_TYPES.map((e) => [s, e] as [AssignmentStatus, AssignmentEventType]),
  );
  it.each(all)('%s + %s', (status, event) => {
    expect(nextAssignmentStatus(status, event)).toBe(LEGAL[`${status}+${event}`] ?? null);
  });

  it.each([
    ['assigned', 'assigned'],
    ['acknowledged', 'assigned'],
    ['en_route', 'en_route'],
    ['on_scene', 'on_scene'],
    ['cleared', 'available'],
    ['declined', 'available'],
    ['cancelled', 'available'],
  ] as const)('unit status follows an assignment that is %s', (a, u) => {
    expect(unitStatusForAssignment(a)).toBe(u);
  });
});

describe('incident status follows its assignments', () => {
  it.each([
    ['new', [], 'new'],
    ['new', ['assigned'], 'dispatched'],
    ['dispatched', ['assigned', 'declined'], 'dispatched'],
    ['dispatched', ['declined'], 'new'],
    ['dispatched', ['en_route', 'on_scene'], 'on_scene'],
    ['on_scene', ['cleared', 'en_route'], 'on_scene'],
    ['on_scene', ['cleared', 'declined'], 'resolved'],
    ['resolved', ['cleared', 'assigned'], 'on_scene'],
    ['closed', ['cleared'], 'closed'],
    ['cancelled', ['cancelled'], 'cancelled'],
  ] as const)('%s with %j → %s', (current, statuses, expected) => {
    expect(incidentStatusFromAssignments(current, statuses)).toBe(expected);
  });
});
