export * from './roads.module';
export * from './input-bounds';
export * from './places.service';
export type { PlaceTableName, PlacePoint } from './places.queries';
export * from './premises.service';
export { PREMISE_RADIUS_M, premiseFlagsNear } from './premises.queries';
// bulk imports write premises inside their own transaction
export { insertPremise, updatePremise } from './premises.queries';
export * from './road-network.service';
export { graphIn, type GraphMessage } from './routing-thread';
