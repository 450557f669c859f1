export * from './safety-index.module';
export * from './safety-index.service';
export * from './index-sampler.service';
