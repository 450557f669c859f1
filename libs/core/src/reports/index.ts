export * from './reports.module';
export * from './replay.service';
export * from './reports.service';
export { tierMetSql } from './reports.queries';
export * from './replay-chunks.service';
export * from './track-chunk-sweeps';
