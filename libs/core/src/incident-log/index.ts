export * from './incident-log';
export * from './open-incident';
export {
  incidentEventInsertSql,
  selectIncident,
  selectIncidentEvents,
  type IncidentEventInsert,
  type IncidentRecord,
  type IncidentSet,
} from './incident-log.queries';
