export * from './patrol.service';
export * from './patrol.module';
