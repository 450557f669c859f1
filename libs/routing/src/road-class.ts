/**
 * Road classes of the car profile and the tag rules that decide what a car may drive.
 * The class code stored in the graph is the index in {@link ROAD_CLASSES}; keep the order stable
 * because serialized graphs store codes, not names.
 */
export const ROAD_CLASSES = [
  'motorway',
  'trunk',
  'primary',
  'secondary',
  'tertiary',
  'unclassified',
  'residential',
  'living_street',
  'service',
  'motorway_link',
  'trunk_link',
  'primary_link',
  'secondary_link',
  'tertiary_link',
  'road',
  'track',
] as const;

export type RoadClass = (typeof ROAD_CLASSES)[number];

export const ROAD_CLASS_COUNT = ROAD_CLASSES.length;

const CLASS_CODE: ReadonlyMap<string, number> = new Map(ROAD_CLASSES.map((c, i) => [c, i]));

/** Class code (index into {@link ROAD_CLASSES}) or -1 for a highway value a car never drives. */
export function roadClassCode(
  highway: string | null | undefined,
  options: { includeTrack?: boolean } = {},
): number {
  if (!highway) return -1;
  const code = CLASS_CODE.get(highway);
  if (code === undefined) return -1;
  if (highway === 'track' && !options.includeTrack) return -1;
  return code;
}

/** Link classes inherit a share of their parent's speed (ramps are short and curved). */
export const LINK_PARENT: Partial<Record<RoadClass, RoadClass>> = {
  motorway_link: 'motorway',
  trunk_link: 'trunk',
  primary_link: 'primary',
  secondary_link: 'secondary',
  tertiary_link: 'tertiary',
};

/** Which directions a car may travel along a way, relative to the order of its nodes. */
export type TravelDirection = 'both' | 'forward' | 'backward';

/**
 * Interprets `oneway` the way OSM routers do: yes/true/1 forward, -1/reverse backward,
 * no/false/0 both; when the tag is absent, motorways and roundabouts are one-way forward.
 */
export function parseOneway(
  oneway: string | null | undefined,
  highway: string | null | undefined,
  junction?: string | null,
): TravelDirection {
  const v = oneway?.trim().toLowerCase();
  if (v === 'yes' || v === 'true' || v === '1') return 'forward';
  if (v === '-1' || v === 'reverse') return 'backward';
  if (v === 'no' || v === 'false' || v === '0') return 'both';
  if (junction === 'roundabout' || junction === 'circular') return 'forward';
  if (highway === 'motorway') return 'forward';
  return 'both';
}

/**
 * Parses an OSM `maxspeed` value to km/h ("50", "50 km/h", "30 mph"); symbolic values such as
 * "CN:urban" or "none" give null because they do not cap the urban profile.
 */
export function parseMaxspeedKmh(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(km\/h|kmh|kph|mph|knots)?\s*$/i.exec(value);
  if (!m) return null;
  const n = Number(m[1]);
  if (!(n > 0)) return null;
  const unit = m[2]?.toLowerCase();
  if (unit === 'mph') return n * 1.609344;
  if (unit === 'knots') return n * 1.852;
  return n;
}
