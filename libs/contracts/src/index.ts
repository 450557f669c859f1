export * from './common';
export * from './auth';
export * from './places';
export * from './incidents';
export * from './realtime';
export * from './jobs';
export * from './rings';
