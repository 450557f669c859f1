// The offline basemap and the live overlays as one MapLibre style. The basemap is drawn from the
// loaded road network (GeoJSON from the api), not from remote tiles: a 110 hall may have no
// internet at all. Deployments with their own tiles set an external style; the overlays then go on
// top of it.
import type {
  ExpressionSpecification,
  LayerSpecification,
  SourceSpecification,
  StyleSpecification,
} from 'maplibre-gl';
import { MAP_FONT, mapFontFaces } from '../fonts';

export const COLORS = {
  background: '#0a111d',
  status: {
    available: '#22c55e',
    assigned: '#f59e0b',
    en_route: '#38bdf8',
    on_scene: '#c084fc',
    off_duty: '#475569',
    out_of_service: '#7f1d1d',
  } as Record<string, string>,
  priority: { 1: '#ef4444', 2: '#f97316', 3: '#eab308' } as Record<number, string>,
  /** Ring tiers from the innermost outwards. */
  tiers: ['#f43f5e', '#f59e0b', '#22d3ee', '#a78bfa', '#64748b', '#64748b'],
  /** The track of a unit in danger: a colour nothing else on the map uses. */
  emergencyTrack: '#ff2bd6',
};

/** One character per unit kind, drawn inside the unit's dot when zoomed in. */
export const KIND_GLYPH: Record<string, string> = {
  foot: '步',
  kiosk: '岗',
  patrol_car: '巡',
  motorcycle: '摩',
  swat: '特',
  traffic: '交',
  station_car: '所',
};

const empty = (): SourceSpecification => ({
  type: 'geojson',
  data: { type: 'FeatureCollection', features: [] },
});

/** 见警率 heat colours: minutes since a unit passed a street (legend and map share them). */
export const PATROL_HEAT_STEPS = [
  { fromMin: 0, color: '#00e08a' },
  { fromMin: 10, color: '#ffd21f' },
  { fromMin: 30, color: '#ff5c1a' },
] as const;

export const OVERLAY_SOURCES = [
  'coverage-areas',
  'blind-spots',
  'patrol-heat',
  'hotspots',
  'deployment',
  'isochrones',
  'route',
  'emergency-track',
  'units',
  'incidents',
  'draft',
] as const;
export type OverlaySource = (typeof OVERLAY_SOURCES)[number];

const byClass = (
  values: Record<string, number | string>,
  fallback: number | string,
): ExpressionSpecification =>
  [
    'match',
    ['get', 'class'],
    ...Object.entries(values).flat(),
    fallback,
  ] as unknown as ExpressionSpecification;

const MAJOR = ['motorway', 'trunk', 'primary', 'motorway_link', 'trunk_link', 'primary_link'];

/**
 * The whole city framed (z≈12) shows the arterial grid; side streets come in one step closer.
 * The api's road tiles carry side streets (`minor`) only from z12, so a framed city loads and
 * draws the arterials alone.
 */
export const ROADS_MINOR_MINZOOM = 12.5;

/** The road source: vector tiles cut by the api (MapView adds it once the city is framed). */
export const ROAD_SOURCE = 'roads';
/** The first layer drawn above the roads (MapView inserts the road layers under it). */
export const ABOVE_ROADS_LAYER = 'districts-label';

export function roadSource(bbox: [number, number, number, number]): SourceSpecification {
  return {
    type: 'vector',
    tiles: [`${location.origin}/api/v1/road-network/tiles/{z}/{x}/{y}`],
    minzoom: 0,
    maxzoom: 14,
    bounds: bbox,
  };
}

const isMinor = (minor: boolean): ExpressionSpecification => ['==', ['get', 'minor'], minor];

/**
 * Side streets and their names: hidden in the first view (MapView shows them once it has drawn,
 * or when the map moves), so a city framed closer than z12.5 draws its arterials and live units
 * first, as before the roads came in tiles.
 */
export const SIDE_STREET_LAYERS = ['roads-minor', 'road-labels-minor'] as const;

/**
 * The map's text (district, street, unit and incident names): hidden in the first view and shown
 * with the side streets. Every label needs its characters drawn from the self-hosted CJK font
 * files (fetched, decoded and rasterised on the page), and each set of glyphs that arrives lays
 * the labels out again and costs another software-rendered frame before the first view is idle.
 */
export const TEXT_LAYERS = [
  'districts-label',
  'road-labels',
  'road-labels-minor',
  'isochrones-label',
  'route-label',
  'units-kind',
  'units-label',
  'incidents-label',
] as const;

/** The layers MapView shows once the first view has drawn (or the map moves). */
export const FIRST_VIEW_HIDDEN_LAYERS: readonly string[] = [
  ...new Set<string>([...SIDE_STREET_LAYERS, ...TEXT_LAYERS]),
];

/** The text layers among these start hidden (TEXT_LAYERS). */
function hiddenText(layers: LayerSpecification[]): LayerSpecification[] {
  return layers.map((layer) =>
    layer.type === 'symbol' && (TEXT_LAYERS as readonly string[]).includes(layer.id)
      ? { ...layer, layout: { ...layer.layout, visibility: 'none' } }
      : layer,
  );
}

function roadLabels(id: string, minor: boolean): LayerSpecification {
  return {
    id,
    type: 'symbol',
    source: ROAD_SOURCE,
    'source-layer': 'roads',
    minzoom: 13,
    filter: ['all', isMinor(minor), ['has', 'name']],
    layout: {
      'symbol-placement': 'line',
      'text-field': ['get', 'name'],
      'text-font': [MAP_FONT],
      'text-size': ['interpolate', ['linear'], ['zoom'], 13, 11, 17, 14],
      'text-max-angle': 30,
      'symbol-spacing': 280,
    },
    paint: {
      'text-color': '#9aabc6',
      'text-halo-color': COLORS.background,
      'text-halo-width': 1.4,
    },
  };
}

const roadWidth = (scale: number): ExpressionSpecification => [
  'interpolate',
  ['exponential', 1.6],
  ['zoom'],
  11,
  [
    '*',
    scale * 0.35,
    byClass({ motorway: 3, trunk: 3, primary: 2.6, secondary: 2, tertiary: 1.6 }, 0.9),
  ],
  17,
  [
    '*',
    scale * 4,
    byClass({ motorway: 3, trunk: 3, primary: 2.6, secondary: 2, tertiary: 1.6 }, 1),
  ],
];

/** The streets, casing under the arterials, side streets from ROADS_MINOR_MINZOOM, then names. */
export function roadLayers(): LayerSpecification[] {
  return hiddenText([
    {
      id: 'roads-casing',
      type: 'line',
      source: ROAD_SOURCE,
      'source-layer': 'roads',
      filter: ['all', isMinor(false), ['in', ['get', 'class'], ['literal', MAJOR]]],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#05080f', 'line-width': roadWidth(1.5) },
    },
    {
      id: 'roads-minor',
      type: 'line',
      source: ROAD_SOURCE,
      'source-layer': 'roads',
      minzoom: ROADS_MINOR_MINZOOM,
      filter: isMinor(true),
      // round joins cost many vertices on thousands of small streets; hidden until the first
      // view has drawn (SIDE_STREET_LAYERS)
      layout: { 'line-cap': 'butt', 'line-join': 'miter', visibility: 'none' },
      paint: { 'line-color': '#28344a', 'line-width': roadWidth(1) },
    },
    {
      id: 'roads',
      type: 'line',
      source: ROAD_SOURCE,
      'source-layer': 'roads',
      filter: isMinor(false),
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': byClass(
          {
            motorway: '#5b6f95',
            trunk: '#5b6f95',
            primary: '#4d6089',
            secondary: '#3e4f73',
            tertiary: '#34445f',
            motorway_link: '#4d6089',
            trunk_link: '#4d6089',
            primary_link: '#3e4f73',
          },
          '#28344a',
        ),
        'line-width': roadWidth(1),
      },
    },
    // arterial names after side-street names: placed first, they win where labels collide
    roadLabels('road-labels-minor', true),
    roadLabels('road-labels', false),
  ]);
}

function basemapLayers(): LayerSpecification[] {
  return hiddenText([
    { id: 'background', type: 'background', paint: { 'background-color': COLORS.background } },
    {
      id: 'districts-fill',
      type: 'fill',
      source: 'districts',
      paint: { 'fill-color': '#17243a', 'fill-opacity': 0.35 },
    },
    {
      id: 'districts-line',
      type: 'line',
      source: 'districts',
      paint: { 'line-color': '#3d5275', 'line-width': 1.5, 'line-dasharray': [3, 2] },
    },
    {
      id: 'districts-label',
      type: 'symbol',
      source: 'districts',
      layout: {
        'text-field': ['get', 'name'],
        'text-font': [MAP_FONT],
        'text-size': 15,
        'text-letter-spacing': 0.2,
      },
      paint: {
        'text-color': '#5d7396',
        'text-halo-color': COLORS.background,
        'text-halo-width': 1.5,
      },
    },
  ]);
}

const statusColor: ExpressionSpecification = [
  'match',
  ['get', 'status'],
  ...Object.entries(COLORS.status).flat(),
  '#94a3b8',
] as unknown as ExpressionSpecification;

const priorityColor: ExpressionSpecification = [
  'match',
  ['get', 'priority'],
  1,
  COLORS.priority[1],
  2,
  COLORS.priority[2],
  COLORS.priority[3],
];

const tierColor: ExpressionSpecification = [
  'match',
  ['get', 'tier'],
  ...COLORS.tiers.flatMap((c, i) => [i, c]),
  '#64748b',
] as unknown as ExpressionSpecification;

export function overlayLayers(): LayerSpecification[] {
  return hiddenText([
    {
      id: 'coverage-fill',
      type: 'fill',
      source: 'coverage-areas',
      paint: { 'fill-color': tierColor, 'fill-opacity': 0.16 },
    },
    {
      id: 'coverage-line',
      type: 'line',
      source: 'coverage-areas',
      paint: { 'line-color': tierColor, 'line-width': 1 },
    },
    {
      id: 'blind-spots-fill',
      type: 'fill',
      source: 'blind-spots',
      paint: { 'fill-color': '#ef4444', 'fill-opacity': 0.28 },
    },
    {
      id: 'blind-spots-line',
      type: 'line',
      source: 'blind-spots',
      paint: { 'line-color': '#f87171', 'line-width': 1.2, 'line-dasharray': [2, 1] },
    },
    // 见警率 heat: streets by minutes since a unit passed (PATROL_HEAT_STEPS), unpassed ones not drawn
    {
      id: 'patrol-heat-line',
      type: 'line',
      source: 'patrol-heat',
      layout: { 'line-cap': 'round' },
      paint: {
        'line-color': [
          'step',
          ['get', 'minutesSince'],
          PATROL_HEAT_STEPS[0].color,
          ...PATROL_HEAT_STEPS.slice(1).flatMap((s) => [s.fromMin, s.color]),
        ] as ExpressionSpecification,
        'line-width': 5,
      },
    },
    // incident hotspots: hexagons by density share (0–1); a deployment: unit → post lines, posts by gain share
    {
      id: 'hotspots-fill',
      type: 'fill',
      source: 'hotspots',
      paint: {
        'fill-color': [
          'interpolate',
          ['linear'],
          ['get', 'share'],
          0,
          '#fde68a',
          0.5,
          '#f97316',
          1,
          '#dc2626',
        ],
        'fill-opacity': 0.55,
      },
    },
    {
      id: 'deployment-lines',
      type: 'line',
      source: 'deployment',
      filter: ['==', ['geometry-type'], 'LineString'],
      paint: { 'line-color': '#e2e8f0', 'line-width': 2, 'line-dasharray': [2, 1] },
    },
    {
      id: 'deployment-posts',
      type: 'circle',
      source: 'deployment',
      filter: ['==', ['geometry-type'], 'Point'],
      paint: {
        'circle-radius': 11,
        'circle-color': ['interpolate', ['linear'], ['get', 'share'], 0, '#0ea5e9', 1, '#22c55e'],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 2,
      },
    },
    {
      id: 'isochrones-fill',
      type: 'fill',
      source: 'isochrones',
      paint: { 'fill-color': tierColor, 'fill-opacity': 0.09 },
    },
    {
      id: 'isochrones-line',
      type: 'line',
      source: 'isochrones',
      filter: ['!=', ['get', 'method'], 'straight'],
      paint: { 'line-color': tierColor, 'line-width': 2.2, 'line-opacity': 0.95 },
    },
    // the straight-line fallback (no road reaches the point) is dashed: an estimate, not a ring
    {
      id: 'isochrones-line-straight',
      type: 'line',
      source: 'isochrones',
      filter: ['==', ['get', 'method'], 'straight'],
      paint: {
        'line-color': tierColor,
        'line-width': 2,
        'line-opacity': 0.95,
        'line-dasharray': [3, 2],
      },
    },
    {
      id: 'isochrones-label',
      type: 'symbol',
      source: 'isochrones',
      layout: {
        'symbol-placement': 'line',
        'text-field': [
          'coalesce',
          ['get', 'label'],
          ['concat', ['to-string', ['get', 'minutes']], ' min'],
        ],
        'text-font': [MAP_FONT],
        'text-size': 12,
        'symbol-spacing': 400,
      },
      paint: {
        'text-color': tierColor,
        'text-halo-color': COLORS.background,
        'text-halo-width': 1.5,
      },
    },
    {
      id: 'route-casing',
      type: 'line',
      source: 'route',
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#0c4a6e', 'line-width': 8 },
    },
    {
      id: 'route',
      type: 'line',
      source: 'route',
      filter: ['!=', ['get', 'method'], 'straight'],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#38bdf8', 'line-width': 4 },
    },
    {
      id: 'route-straight',
      type: 'line',
      source: 'route',
      filter: ['==', ['get', 'method'], 'straight'],
      layout: { 'line-join': 'round' },
      paint: { 'line-color': '#38bdf8', 'line-width': 4, 'line-dasharray': [2, 1.5] },
    },
    {
      id: 'route-label',
      type: 'symbol',
      source: 'route',
      filter: ['has', 'label'],
      layout: {
        'symbol-placement': 'line-center',
        'text-field': ['get', 'label'],
        'text-font': [MAP_FONT],
        'text-size': 12,
      },
      paint: { 'text-color': '#e0f2fe', 'text-halo-color': '#0c4a6e', 'text-halo-width': 1.5 },
    },
    {
      id: 'emergency-track-casing',
      type: 'line',
      source: 'emergency-track',
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#ffffff', 'line-width': 8, 'line-opacity': 0.85 },
    },
    {
      id: 'emergency-track',
      type: 'line',
      source: 'emergency-track',
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': COLORS.emergencyTrack, 'line-width': 5 },
    },
    {
      id: 'units',
      type: 'circle',
      source: 'units',
      paint: {
        'circle-color': statusColor,
        'circle-radius': [
          'interpolate',
          ['linear'],
          ['zoom'],
          10,
          ['case', ['==', ['get', 'status'], 'off_duty'], 1.5, 2.5],
          14,
          ['case', ['==', ['get', 'status'], 'off_duty'], 4, 7],
          17,
          11,
        ],
        'circle-opacity': ['case', ['get', 'stale'], 0.45, 1],
        'circle-stroke-width': ['case', ['get', 'stale'], 2, ['get', 'candidate'], 3, 0.8],
        'circle-stroke-color': [
          'case',
          ['get', 'candidate'],
          '#ffffff',
          ['get', 'stale'],
          '#facc15',
          '#0a111d',
        ],
      },
    },
    {
      id: 'units-kind',
      type: 'symbol',
      source: 'units',
      minzoom: 14,
      layout: {
        'text-field': ['get', 'glyph'],
        'text-font': [MAP_FONT],
        'text-size': 10,
        'text-allow-overlap': true,
        'text-ignore-placement': true,
      },
      paint: { 'text-color': '#0a111d' },
    },
    {
      id: 'units-label',
      type: 'symbol',
      source: 'units',
      minzoom: 15,
      layout: {
        'text-field': ['get', 'callsign'],
        'text-font': [MAP_FONT],
        'text-size': 11,
        'text-offset': [0, 1.3],
        'text-anchor': 'top',
      },
      paint: {
        'text-color': '#cbd5e1',
        'text-halo-color': COLORS.background,
        'text-halo-width': 1.2,
      },
    },
    {
      id: 'incidents-halo',
      type: 'circle',
      source: 'incidents',
      paint: {
        'circle-color': 'rgba(0,0,0,0)',
        'circle-radius': ['case', ['get', 'selected'], 22, 15],
        'circle-stroke-color': ['case', ['get', 'selected'], '#ffffff', priorityColor],
        'circle-stroke-width': [
          'case',
          ['get', 'selected'],
          3,
          ['==', ['get', 'status'], 'new'],
          2.5,
          0,
        ],
        'circle-stroke-opacity': 0.85,
      },
    },
    {
      id: 'incidents',
      type: 'circle',
      source: 'incidents',
      // the selected and the most urgent draw on top of a pile-up of calls at one place
      layout: {
        'circle-sort-key': [
          '+',
          ['case', ['get', 'selected'], 10, 0],
          ['-', 0, ['get', 'priority']],
        ],
      },
      paint: {
        'circle-color': priorityColor,
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 6, 15, 10],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 2,
      },
    },
    {
      id: 'incidents-label',
      type: 'symbol',
      source: 'incidents',
      minzoom: 12.5,
      layout: {
        'text-field': ['get', 'label'],
        'text-font': [MAP_FONT],
        'text-size': 12,
        'text-offset': [0, 1.5],
        'text-anchor': 'top',
        'text-allow-overlap': true,
      },
      paint: { 'text-color': '#f8fafc', 'text-halo-color': '#450a0a', 'text-halo-width': 1.6 },
    },
    {
      id: 'draft',
      type: 'circle',
      source: 'draft',
      paint: {
        'circle-color': '#f43f5e',
        'circle-radius': 9,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 3,
      },
    },
  ]);
}

export function overlaySources(): Record<OverlaySource, SourceSpecification> {
  return Object.fromEntries(OVERLAY_SOURCES.map((s) => [s, empty()])) as Record<
    OverlaySource,
    SourceSpecification
  >;
}

/** The whole offline style: basemap from the road network plus the overlays. */
export function offlineStyle(): StyleSpecification {
  return {
    version: 8,
    name: 'RingCAD offline',
    'font-faces': mapFontFaces(),
    sources: {
      districts: empty(),
      ...overlaySources(),
    },
    layers: [...basemapLayers(), ...overlayLayers()],
  };
}
