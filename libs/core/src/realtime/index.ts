export * from './realtime.module';
export * from './realtime';
export * from './views';
export * from './viewport-fanout';
