export * from './roads.module';
export * from './input-bounds';
export * from './places.service';
export * from './premises.service';
export * from './road-network.service';
