export * from './safety-index.module';
export * from './safety-index.service';
