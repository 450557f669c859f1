export * from './exercises.module';
export * from './exercises.service';
