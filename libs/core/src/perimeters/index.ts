export * from './perimeters.module';
export * from './perimeters.service';
