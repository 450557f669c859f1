// The public face of @ringcad/core: each feature's index (libs/core/src/<feature>/index.ts), lowest first.
export * from './platform';
export * from './auth';
export * from './realtime';
export * from './alerts';
export * from './roads';
export * from './fleet';
export * from './incident-log';
export * from './timers';
export * from './dispatch';
export * from './command';
export * from './coverage';
export * from './incidents';
export * from './reports';
export * from './console-sync';
export * from './messages';
export * from './safety';
export * from './training';
