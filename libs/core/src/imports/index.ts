export * from './imports.module';
export * from './imports.service';
export { MAX_IMPORT_ROWS } from './import-files';
