// Response shapes of routes whose bodies libs/contracts does not (yet) declare as types; the
// field names are the public contract's (API.md).
import type { ExcludedUnit, IncidentView, RecommendationCandidate } from '@ringcad/contracts';
import type { RingScheme } from '@ringcad/domain';
import type { FeatureCollection, LineString } from 'geojson';

export type {
  AlertView,
  AssignmentView,
  CallView,
  ConsoleSync,
  DispositionView,
  EmergencyView,
  IncidentView,
  MessageReadEvent,
  MessageView,
  NoteView,
  RecommendationCandidate,
  UnitView,
} from '@ringcad/contracts';

export interface Recommendation {
  incidentId: string;
  scheme: RingScheme;
  candidates: RecommendationCandidate[];
  excluded?: ExcludedUnit[];
  tookMs: number;
}

export interface PossibleDuplicate {
  id: string;
  number: string;
  distanceM: number;
  minutesAgo: number;
}

export interface CreateIncidentResponse {
  incident: IncidentView;
  recommendation: Recommendation | null;
  possibleDuplicates: PossibleDuplicate[];
}

export interface RouteResponse {
  unitId: string;
  method: 'road' | 'straight';
  etaSec: number;
  distanceM: number;
  geometry: LineString;
}

export interface RoadNetworkSummary {
  source: string;
  nodes: number;
  edges: number;
  bbox: [number, number, number, number];
}

export interface CoverageTier {
  sec: number;
  roadKmPct: number;
  areaPct: number;
}

/** `GET /api/v1/coverage` (issue #4); `blindSpots` and `areas` are extensions we draw when present. */
export interface CoverageResponse {
  scheme: string | { id: string };
  computedAt: string;
  units: number;
  tiers: CoverageTier[];
  districts: { id: string; name: string; tiers: CoverageTier[] }[];
  blindSpots?: FeatureCollection;
  areas?: FeatureCollection;
}

export interface JurisdictionProps {
  id: string;
  name: string;
  kind: 'district' | 'station' | 'grid';
  parentId: string | null;
  schemeId: string | null;
}
