export * from './incident-log';
export * from './open-incident';
