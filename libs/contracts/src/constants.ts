// The contract's constants: names, code lists and namespaces, with no zod in sight. The console
// imports its values from here (`@ringcad/contracts/constants`) so its bundle carries none of the
// schemas; the schemas build their enums from the same lists.

export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  /** a unit asked for is not available (details.units lists them); nothing was assigned */
  'UNIT_UNAVAILABLE',
  /** the incident is closed or cancelled */
  'INCIDENT_CLOSED',
  /** an assignment event its current status does not allow */
  'ILLEGAL_TRANSITION',
  /** the client's version of the resource is out of date */
  'STALE_VERSION',
  /** an Idempotency-Key already used with a different request (422; details.incidentId) */
  'IDEMPOTENCY_KEY_REUSED',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  /** a body in a content type the route does not take (JSON everywhere but the road-network upload) */
  'UNSUPPORTED_MEDIA_TYPE',
  'UNAVAILABLE',
  /** a dependency (database, Redis/queue) is down: 503 with Retry-After and details.dependency */
  'DEPENDENCY_DOWN',
  /** the principal's jurisdiction scope does not cover the target */
  'OUT_OF_SCOPE',
  /** a bulk import with refused rows (422; details.rows): nothing was written */
  'IMPORT_REFUSED',
  /** still referenced (details.references counts who uses it): change or remove those first */
  'IN_USE',
  /** a built-in record (ring scheme, disposition) may be relabelled or disabled, not removed */
  'BUILTIN',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** What an alert is about (`alert`, `alert.acknowledged`, `GET /alerts`). */
export const ALERT_KINDS = [
  'ack_overdue',
  'tier_missed',
  'coverage_below_target',
  'agency_undelivered',
  /** 一键报警: an officer's emergency (cleared by a dispatcher with a reason, not acknowledged) */
  'emergency',
  /** a unit on scene did not answer its check-in prompt (报平安) */
  'check_in_overdue',
  /** a standing perimeter's tier (环城封控圈) fell below its target share of coverable checkpoints */
  'perimeter_below_target',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * Why a recommendation left a unit out (listed per unit: what a dispatcher looks into). Available
 * units the search ranked below the list are only counted (`unranked`).
 */
export const EXCLUSION_REASONS = ['not_available', 'no_position', 'stale_position'] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

/** Caution levels of a premise flag (重点场所警示): info < caution < danger. */
export const PREMISE_LEVELS = ['info', 'caution', 'danger'] as const;
export type PremiseLevel = (typeof PREMISE_LEVELS)[number];

/** socket.io namespace of the command consoles (people). */
export const CONSOLE_NAMESPACE = '/console';
/** socket.io namespace of the unit terminals. */
export const TERMINAL_NAMESPACE = '/terminal';

/** BullMQ queue of timer jobs (ack overdue, tier missed …). */
export const TIMERS_QUEUE = 'timers';
/** BullMQ queue of accepted position batches waiting to be written as tracks. */
export const POSITIONS_QUEUE = 'positions';
/** BullMQ queue of partner-agency notifications (联动) waiting to be delivered to their webhook. */
export const AGENCIES_QUEUE = 'agencies';
/** BullMQ queue of the 平安指数 sampler (a repeatable job: 见警率 and perimeter readiness samples). */
export const INDEX_SAMPLES_QUEUE = 'index-samples';

/** How a response-times report may be grouped. */
export const REPORT_GROUP_BY = [
  'district',
  'station',
  'category',
  'priority',
  'hour',
  'day',
  'unit',
] as const;
export type ReportGroupBy = (typeof REPORT_GROUP_BY)[number];

/** What a bulk import creates or updates (`POST /api/v1/imports?kind=`). */
export const IMPORT_KINDS = [
  'jurisdictions',
  'standby-points',
  'checkpoints',
  'units',
  'users',
  /** 重点场所: points or areas with a caution level and text */
  'premises',
] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** The fields each kind reads from a record; the mapping names, for each, the file's field. */
export const IMPORT_TARGET_FIELDS = {
  jurisdictions: ['name', 'kind', 'parent', 'scheme'],
  'standby-points': ['name', 'lon', 'lat'],
  checkpoints: ['name', 'lon', 'lat'],
  units: ['callsign', 'kind', 'station'],
  users: ['username', 'password', 'roles', 'jurisdiction'],
  premises: ['name', 'level', 'text', 'lon', 'lat'],
} as const satisfies Record<ImportKind, readonly string[]>;

/** Why an import row is refused: `{code, field, ...params}` (the console words them). */
export const IMPORT_ISSUE_CODES = [
  'IMPORT_FIELD_MISSING',
  'IMPORT_TOO_LONG',
  'IMPORT_DUPLICATE_ROW',
  'IMPORT_BAD_KIND',
  'IMPORT_UNKNOWN_SCHEME',
  'IMPORT_BAD_GEOMETRY_TYPE',
  'IMPORT_BAD_COORDINATES',
  'IMPORT_OUTSIDE_AREA',
  'IMPORT_INVALID_POLYGON',
  'IMPORT_AMBIGUOUS_NAME',
  'IMPORT_NO_SUCH_JURISDICTION',
  'IMPORT_NOT_A_NUMBER',
  'IMPORT_INVALID_VALUE',
  'IMPORT_UNKNOWN_ROLE',
  'IMPORT_OWN_ACCOUNT',
  'IMPORT_BAD_RECORD',
  /** several existing records have the row's name, so which one to update is unclear */
  'IMPORT_NAME_NOT_UNIQUE',
] as const;
export type ImportIssueCode = (typeof IMPORT_ISSUE_CODES)[number];
