export * from './command.module';
export * from './agencies.service';
export * from './defense-levels.service';
export * from './plans.service';
export * from './sealing.service';
