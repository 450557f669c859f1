export * from './categories';
export * from './units';
export * from './rings';
export * from './dispatch';
export * from './metrics';
export * from './incident-number';
export * from './privacy';
export * from './roles';
