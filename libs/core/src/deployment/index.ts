export * from './deployment.module';
export * from './deployment.service';
