export * from './console-sync.module';
export * from './console-sync.service';
