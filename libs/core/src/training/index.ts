export * from './training.module';
export * from './training.service';
