export * from './coverage.module';
export * from './coverage.service';
