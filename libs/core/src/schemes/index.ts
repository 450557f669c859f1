export * from './schemes.module';
export * from './ring-schemes.service';
