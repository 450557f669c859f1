/**
 * `@ringcad/routing` — pure TypeScript road-network engine (no framework, no I/O; the clock
 * and configuration are parameters).
 *
 * Import: {@link importOsmXml}, {@link importOsmPbf}, {@link importGeoJsonRoads} → a neutral
 * {@link RoadNetworkDraft}; {@link buildRoadGraph} applies the car profile → {@link RoadGraph}
 * (typed-array CSR, shapes per segment, strongly connected components in `stats`);
 * {@link serializeRoadGraph} / {@link deserializeRoadGraph} for caching.
 *
 * Speeds: {@link SpeedProfile} (class speeds, maxspeed caps, peak windows), {@link edgeCosts},
 * {@link peakFactorAt}, {@link speedMultipliersAt}.
 *
 * Queries: {@link snapPoint} / {@link snapPoints}; {@link etaToTarget} (many-to-one, one reverse
 * Dijkstra; `maxResults` stops it once the K nearest units are proven, `walkingKinds` times foot
 * units by road distance at walking pace); {@link travelTimesFrom} (one-to-many); {@link multiSourceTimes} (coverage);
 * {@link routeBetween} (drawable route); {@link straightLineEta} (labelled fallback);
 * {@link isochrones} (road-honest ring polygons); {@link createSearchWorkspace} to reuse memory.
 *
 * Coverage: {@link computeCoverage} (unit-centric: one multi-source search → road km, area and
 * per-district shares per tier, blind-spot polygons); {@link suggestMoveUps} (greedy maximal
 * covering: which units to send to which standby points); {@link computeSealing} (封控: where a
 * fleeing vehicle can be per tier, the checkpoints on that reach and who can man each first).
 *
 * Demo data: {@link generateCity} — a deterministic synthetic city with a river and bridges.
 * Reference checks: {@link pgRoutingEdgeRows} — the graph as a pgRouting edge table.
 *
 * Graph layout: vertices are intersections and dead ends only; every segment keeps its full
 * OSM shape (geometry arrays per segment), so snapping follows curves and routes draw along
 * the road. Search state lives in a reusable {@link SearchWorkspace}; a query allocates only
 * its result.
 */
export * from './road-class';
export * from './speed-profile';
export { RoadNetworkImportError } from './road-network-draft';
export type {
  DraftWay,
  RoadNetworkDraft,
  RoadNetworkFormat,
  RoadNetworkImportErrorCode,
} from './road-network-draft';
export { importOsmXml } from './osm-xml-import';
export {
  importOsmPbf,
  OsmPbfStreamImport,
  type OsmPbfImportOptions,
  type OsmPbfProgress,
} from './osm-pbf-import';
export {
  importGeoJsonRoads,
  type GeoJsonImportOptions,
  type RoadFeatureCollection,
  type RoadFeatureProperties,
} from './geojson-import';
export {
  buildRoadGraph,
  segmentClass,
  DIR_BACKWARD,
  DIR_FORWARD,
  type BuildRoadGraphOptions,
  type RoadGraph,
  type RoadGraphStats,
} from './road-graph';
export {
  serializeRoadGraph,
  deserializeRoadGraph,
  openSharedRoadGraph,
  shareRoadGraph,
  sharedRoadGraph,
} from './road-graph-serialize';
export { edgeCosts, type EdgeCosts } from './edge-costs';
export { haversineM } from './geo-math';
export {
  SMALL_COMPONENT_MARGIN_M,
  PACKED_SNAP_SIZE,
  packSnaps,
  snapPoint,
  snapPoints,
  unpackSnap,
  warmSnapIndex,
  type LonLat,
  type SnapOptions,
  type SnappedPoint,
} from './snap';
export { createSearchWorkspace, type SearchWorkspace } from './search-workspace';
export {
  DEFAULT_STRAIGHT_SPEEDS_KMH,
  etaToTarget,
  multiSourceTimes,
  routeBetween,
  straightLineEta,
  travelTimesFrom,
  type EtaMethod,
  type EtaOptions,
  type EtaResponse,
  type EtaResult,
  type EtaUnit,
  type MultiSourceOptions,
  type RouteResult,
  type RoutingQueryOptions,
  type StraightLineConfig,
} from './eta';
export {
  ISOCHRONE_CELL_M,
  isochrones,
  type IsochroneCollection,
  type IsochroneFeature,
  type IsochroneOptions,
} from './isochrone';
export {
  computeCoverage,
  IncrementalCoverageFigures,
  type AreaCoverage,
  type BlindSpotFeature,
  type CoverageArea,
  type CoverageOptions,
  type CoverageResult,
  type CoverageSource,
  type CoverageTier,
} from './coverage';
export { IncrementalCoverage } from './coverage-incremental';
export {
  LiveCoverage,
  type LiveCoverageRequest,
  type LiveCoverageResult,
  type LiveCoverageSource,
} from './coverage-live';
export { roadLengthDemand, suggestMoveUps, type MoveUp, type MoveUpOptions } from './move-ups';
export {
  computeSealing,
  SEALING_CELL_M,
  fleeingVehicleProfile,
  type SealingCheckpoint,
  type SealingCheckpointResult,
  type SealingCrossing,
  type SealingOptions,
  type SealingResult,
  type SealingTier,
  type SealingUnit,
} from './sealing';
export { shapeCells, warmRaster, type AreaGeometry } from './raster';
export {
  generateCity,
  mulberry32,
  type PointFeature,
  type SyntheticCity,
  type SyntheticCityOptions,
} from './synthetic-city';
export { pgRoutingEdgeRows, type PgRoutingEdgeRows } from './pgrouting-export';
export {
  perimeterReadiness,
  type PerimeterCheckpoint,
  type PerimeterOptions,
  type PerimeterPost,
  type PerimeterReadiness,
} from './perimeter';
export {
  BINS,
  MATCH_RADIUS_M,
  binAreas,
  inArea,
  lastPassBySegment,
  matchTrack,
  patrolVisibility,
  planCompliance,
  preparePlan,
  trackPasses,
  CHUNK_MIN,
  MATCH_CHUNK_MS,
  MATCH_LEAD_MS,
  MINUTE_MS,
  chunkOf,
  chunkedPasses,
  decodeChunkSegments,
  encodeChunkSegments,
  matchChunk,
  minuteOf,
  patrolPointKey,
  segmentTiles,
  tileOf,
  trackChunks,
  visibilityFromChunks,
  HOUR_MS,
  addChunkToHour,
  encodeHourSegments,
  visibilityFromHours,
  type HourRollup,
  type StoredHourTile,
  type ChunkTile,
  type StoredChunkTile,
  type AreaShare,
  type PatrolPoint,
  type PlanCompliance,
  type PlanPoint,
  type PlanShape,
  type TrackPoint,
  type UnitTrack,
  type VisibilityOptions,
  type VisibilitySlot,
} from './patrol';
export {
  planDeployment,
  type DeploymentOptions,
  type DeploymentPlanResult,
  type DeploymentPost,
} from './deployment';
export {
  hexAreaKm2,
  hexKernelDensity,
  hexPolygon,
  nodeDemandFromHexes,
  type HexCell,
  type HexDensityOptions,
  type HexOrigin,
} from './hex-density';
