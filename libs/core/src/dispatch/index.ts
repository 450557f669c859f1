export * from './dispatch.module';
export * from './dispatch.service';
export * from './eta-engine';
export * from './recommendation.service';
export * from './route.service';
export {
  sceneAssignmentStatuses,
  selectActiveSceneAssignments,
  cancelAssignment,
  lockAssignmentStatus,
  selectAssignmentHead,
  openAssignmentsOfUnit,
  type AssignmentRecord,
  type UnitPositionRecord,
} from './dispatch.queries';
