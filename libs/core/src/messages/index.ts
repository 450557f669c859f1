export * from './messages.service';
export * from './messages.module';
