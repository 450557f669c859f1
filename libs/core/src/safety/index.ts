export * from './safety.service';
export * from './safety.module';
