export * from './patrol.service';
export * from './patrol.module';
export * from './patrol-store.service';
