export * from './constants';
export * from './common';
export * from './auth';
export * from './places';
export * from './incidents';
export * from './realtime';
export * from './jobs';
export * from './rings';
export * from './reports';
export * from './command';
export * from './desk';
export * from './positions-fast';
export * from './responses';
export * from './terminal';
export * from './imports';
export * from './training';
<<<<<<< HEAD
export * from './exercises';
=======
export * from './admin';
>>>>>>> main
