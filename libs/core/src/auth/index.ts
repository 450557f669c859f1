export * from './auth.module';
export * from './auth.service';
export * from './passwords';
export * from './scope';
export { jurisdictionExists } from './scope.queries';
