export * from './timers.module';
export * from './timers.service';
