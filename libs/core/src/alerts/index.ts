export * from './alerts.module';
export * from './alert-outbox.service';
export * from './alerts';
export * from './alerts.service';
export { insertAlert, selectOpenDistrictAlert, type AlertRecord } from './alerts.queries';
