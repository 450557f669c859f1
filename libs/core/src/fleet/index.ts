export * from './fleet.module';
export * from './live-fleet.service';
export * from './fleet-snaps-keeper';
export * from './positions.service';
export * from './units.service';
export { availableUnitPositions, setUnitStatus, type UnitPositionRow } from './units.queries';
