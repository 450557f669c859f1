// 回放: one incident (stages, the units' tracks moving on the map, the rings as they were at
// dispatch, predicted ETA beside actual travel) or one district over a time window (incidents
// appearing, units moving in their status colours). Both share one player: a time slider, play
// and a speed of ×1 to ×60. Drawn on the shared map in its own sources, removed on close.
import type * as maplibregl from 'maplibre-gl';
import type { Feature, FeatureCollection } from 'geojson';
import { api, qs } from '../api';
import { MAP_FONT } from '../fonts';
import { h, render } from '../dom';
import { clock, mmss } from '../format';
import { categoryLabel, stageLabel, t } from '../i18n';
import type { MapView } from '../map/map-view';
import { COLORS } from '../map/style';
import type { JurisdictionView } from '@ringcad/contracts';
import { decodeBinaryReplay, type DecodedTrack } from '@ringcad/contracts/replay-columnar';

type Point3 = [number, number, number];

interface Stage {
  stage: string;
  at: string | null;
  sinceReceivedSec: number | null;
  stepSec: number | null;
}
interface IncidentReplay {
  incident: {
    id: string;
    number: string;
    category: string;
    priority: number;
    location: { lon: number; lat: number };
    address: string | null;
  };
  stages: Stage[];
  tracks: { unitId: string; assignmentId: string; points: Point3[] }[];
  assignments: {
    id: string;
    unitId: string;
    callsign: string;
    status: string;
    assignedAt: string;
    clearedAt: string | null;
  }[];
  eta: {
    assignmentId: string;
    callsign: string;
    predictedSec: number | null;
    actualSec: number | null;
    driveSec: number | null;
  }[];
  rings: { at: string; minutes: number[]; areas: FeatureCollection } | null;
}
interface AreaReplay {
  district: { id: string; name: string; bbox: [number, number, number, number] };
  from: string;
  to: string;
  incidents: {
    id: string;
    number: string;
    category: string;
    priority: number;
    location: { lon: number; lat: number };
    createdAt: string;
    resolvedAt: string | null;
    closedAt: string | null;
    cancelledAt: string | null;
  }[];
  /** format=binary: the head's units, each with n, its points in the binary sections */
  units: {
    unitId: string;
    callsign: string;
    kind: string;
    n: number;
    statuses: [number, string][];
  }[];
  points: number;
}

const SOURCES = ['replay-rings', 'replay-tracks', 'replay-incidents', 'replay-units'] as const;
const SPEEDS = [1, 5, 10, 30, 60];

/** Position on a time-ordered track at `t` (linear between fixes; none before the first). */
export function positionAt(points: Point3[], t: number): [number, number] | null {
  if (!points.length || t < points[0][2]) return null;
  let lo = 0;
  let hi = points.length - 1;
  if (t >= points[hi][2]) return [points[hi][0], points[hi][1]];
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid][2] <= t) lo = mid;
    else hi = mid;
  }
  const a = points[lo];
  const b = points[hi];
  const f = b[2] === a[2] ? 0 : (t - a[2]) / (b[2] - a[2]);
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
}

/** {@link positionAt} on a decoded columnar track. */
export function positionOnTrack(track: DecodedTrack, t: number): [number, number] | null {
  const { t: ts, lon, lat } = track;
  if (!ts.length || t < ts[0]) return null;
  let lo = 0;
  let hi = ts.length - 1;
  if (t >= ts[hi]) return [lon[hi], lat[hi]];
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (ts[mid] <= t) lo = mid;
    else hi = mid;
  }
  const f = ts[hi] === ts[lo] ? 0 : (t - ts[lo]) / (ts[hi] - ts[lo]);
  return [lon[lo] + (lon[hi] - lon[lo]) * f, lat[lo] + (lat[hi] - lat[lo]) * f];
}

function statusAt(statuses: [number, string][], t: number): string {
  let s = statuses[0]?.[1] ?? 'available';
  for (const [at, st] of statuses) {
    if (at > t) break;
    s = st;
  }
  return s;
}

const fc = (features: Feature[]): FeatureCollection => ({ type: 'FeatureCollection', features });

/** The replay's own map sources and layers (under the live overlays' labels, above the roads). */
function addReplayLayers(map: maplibregl.Map) {
  for (const id of SOURCES)
    if (!map.getSource(id)) map.addSource(id, { type: 'geojson', data: fc([]) });
  const tierColor = [
    'match',
    ['get', 'tier'],
    0,
    COLORS.tiers[0],
    1,
    COLORS.tiers[1],
    2,
    COLORS.tiers[2],
    COLORS.tiers[3],
  ];
  const statusColor = [
    'match',
    ['get', 'status'],
    ...Object.entries(COLORS.status).flat(),
    '#94a3b8',
  ];
  const layers: maplibregl.LayerSpecification[] = [
    {
      id: 'replay-rings-fill',
      type: 'fill',
      source: 'replay-rings',
      paint: { 'fill-color': tierColor as never, 'fill-opacity': 0.08 },
    },
    {
      id: 'replay-rings-line',
      type: 'line',
      source: 'replay-rings',
      paint: { 'line-color': tierColor as never, 'line-width': 2, 'line-dasharray': [3, 2] },
    },
    {
      id: 'replay-tracks',
      type: 'line',
      source: 'replay-tracks',
      paint: { 'line-color': '#38bdf8', 'line-width': 2.5, 'line-opacity': 0.55 },
    },
    {
      id: 'replay-incidents',
      type: 'circle',
      source: 'replay-incidents',
      paint: {
        'circle-radius': 8,
        'circle-color': '#ef4444',
        'circle-stroke-color': '#fff',
        'circle-stroke-width': 2,
      },
    },
    {
      id: 'replay-units',
      type: 'circle',
      source: 'replay-units',
      paint: {
        'circle-radius': 7,
        'circle-color': statusColor as never,
        'circle-stroke-color': '#0a111d',
        'circle-stroke-width': 2,
      },
    },
    {
      id: 'replay-units-label',
      type: 'symbol',
      source: 'replay-units',
      layout: {
        'text-field': ['get', 'callsign'],
        'text-size': 11,
        'text-offset': [0, 1.3],
        'text-font': [MAP_FONT],
      },
      paint: { 'text-color': '#e2e8f0', 'text-halo-color': '#0a111d', 'text-halo-width': 1.2 },
    },
  ];
  for (const l of layers) if (!map.getLayer(l.id)) map.addLayer(l);
}

function removeReplayLayers(map: maplibregl.Map) {
  for (const id of [
    'replay-units-label',
    'replay-units',
    'replay-incidents',
    'replay-tracks',
    'replay-rings-line',
    'replay-rings-fill',
  ]) {
    if (map.getLayer(id)) map.removeLayer(id);
  }
  for (const id of SOURCES) if (map.getSource(id)) map.removeSource(id);
}

function setSource(map: maplibregl.Map, id: (typeof SOURCES)[number], data: FeatureCollection) {
  void map.getSource<maplibregl.GeoJSONSource>(id)?.setData(data);
}

/** Time slider, play/pause and speed; calls `draw(t)` whenever the replay time changes. */
class Player {
  readonly el: HTMLElement;
  private t: number;
  private speed = 10;
  private playing = false;
  private raf = 0;
  private last = 0;
  private readonly slider: HTMLInputElement;
  private readonly timeEl: HTMLElement;
  private readonly playBtn: HTMLButtonElement;

  constructor(
    private readonly start: number,
    private readonly end: number,
    private readonly draw: (t: number) => void,
  ) {
    this.t = start;
    this.slider = h('input', {
      type: 'range',
      id: 'replay-slider',
      min: 0,
      max: Math.max(1, end - start),
      step: 1000,
      value: 0,
    });
    this.slider.addEventListener('input', () => this.seek(start + Number(this.slider.value)));
    this.timeEl = h('span', { class: 'replay-time', id: 'replay-time' });
    this.playBtn = h(
      'button',
      { type: 'button', class: 'small', id: 'replay-play', onclick: () => this.toggle() },
      t('rp_play'),
    );
    const speed = h(
      'select',
      {
        id: 'replay-speed',
        onchange: (e: Event) => (this.speed = Number((e.target as HTMLSelectElement).value)),
      },
      SPEEDS.map((s) => h('option', { value: s, selected: s === this.speed }, `×${s}`)),
    );
    this.el = h(
      'div',
      { class: 'replay-player' },
      this.playBtn,
      this.slider,
      h('label', {}, t('rp_speed'), ' ', speed),
      this.timeEl,
    );
    this.seek(start);
  }

  seek(t: number) {
    this.t = Math.max(this.start, Math.min(this.end, t));
    this.slider.value = String(this.t - this.start);
    this.timeEl.textContent = clock(new Date(this.t).toISOString());
    this.draw(this.t);
  }

  toggle() {
    this.playing = !this.playing;
    this.playBtn.textContent = this.playing ? t('rp_pause') : t('rp_play');
    if (this.playing) {
      if (this.t >= this.end) this.seek(this.start);
      this.last = performance.now();
      this.raf = requestAnimationFrame((now) => this.tick(now));
    } else cancelAnimationFrame(this.raf);
  }

  private tick(now: number) {
    if (!this.playing) return;
    this.seek(this.t + (now - this.last) * this.speed);
    this.last = now;
    if (this.t >= this.end) this.toggle();
    else this.raf = requestAnimationFrame((n) => this.tick(n));
  }

  stop() {
    this.playing = false;
    cancelAnimationFrame(this.raf);
  }
}

let active: { close(): void } | null = null;

/** A floating panel over the workspace; one replay at a time. */
function openPanel(
  map: MapView,
  title: string,
  body: (panel: HTMLElement) => Promise<{ stop(): void } | null>,
) {
  active?.close();
  let player: { stop(): void } | null = null;
  const panel = h('section', { class: 'replay-panel', id: 'replay-panel' });
  const close = () => {
    player?.stop();
    panel.remove();
    removeReplayLayers(map.map);
    if (active === handle) active = null;
  };
  const handle = { close };
  active = handle;
  render(
    panel,
    h(
      'header',
      {},
      h('h2', {}, title),
      h(
        'button',
        { type: 'button', class: 'ghost small', id: 'replay-close', onclick: close },
        t('rp_close'),
      ),
    ),
  );
  document.body.append(panel);
  addReplayLayers(map.map);
  void body(panel).then((p) => (player = p));
}

/** Replay of one incident: stages, ETA vs actual, tracks moving, rings at dispatch. */
export function openIncidentReplay(map: MapView, incidentId: string) {
  openPanel(map, t('rp_replay'), async (panel) => {
    const r = await api.get<IncidentReplay>(`/replay/incidents/${incidentId}`);
    const times = r.stages.map((s) => (s.at ? Date.parse(s.at) : NaN)).filter(Number.isFinite);
    const trackTimes = r.tracks.flatMap((t) => t.points.map((p) => p[2]));
    const start = Math.min(...times, ...trackTimes);
    const end = Math.max(...times, ...trackTimes, start + 1000);
    const callsign = new Map(r.assignments.map((a) => [a.unitId, a.callsign]));
    const incidentFc = fc([
      {
        type: 'Feature',
        geometry: {
          type: 'Point',
          coordinates: [r.incident.location.lon, r.incident.location.lat],
        },
        properties: { number: r.incident.number },
      },
    ]);
    setSource(map.map, 'replay-incidents', incidentFc);
    setSource(
      map.map,
      'replay-tracks',
      fc(
        r.tracks
          .filter((t) => t.points.length > 1)
          .map((t) => ({
            type: 'Feature',
            geometry: { type: 'LineString', coordinates: t.points.map((p) => [p[0], p[1]]) },
            properties: { unitId: t.unitId },
          })),
      ),
    );
    if (r.rings) {
      setSource(
        map.map,
        'replay-rings',
        fc(
          r.rings.areas.features.map((f) => ({
            ...f,
            properties: {
              ...f.properties,
              tier: r.rings!.minutes.indexOf((f.properties as { minutes: number }).minutes),
            },
          })),
        ),
      );
    }
    const stageRow = h(
      'ol',
      { class: 'replay-stages', id: 'replay-stages' },
      r.stages.map((s) =>
        h(
          'li',
          { class: s.at ? 'done' : 'missing', 'data-stage': s.stage },
          h('b', {}, stageLabel(s.stage)),
          h('span', {}, s.at ? clock(s.at) : '—'),
          h(
            'small',
            { class: 'muted' },
            s.stepSec !== null && s.stage !== 'received' ? `+${mmss(s.stepSec)}` : '',
          ),
        ),
      ),
    );
    const etaTable = h(
      'table',
      { class: 'replay-eta', id: 'replay-eta' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, t('rp_unit')),
          h('th', {}, t('rp_predicted')),
          h('th', {}, t('rp_actual')),
          h('th', {}, t('rp_drive')),
        ),
      ),
      h(
        'tbody',
        {},
        r.eta.map((e) =>
          h(
            'tr',
            {},
            h('td', {}, e.callsign),
            h('td', { class: 'num' }, mmss(e.predictedSec)),
            h('td', { class: 'num' }, mmss(e.actualSec)),
            h('td', { class: 'num' }, mmss(e.driveSec)),
          ),
        ),
      ),
    );
    const draw = (t: number) => {
      const features: Feature[] = [];
      for (const tr of r.tracks) {
        const p = positionAt(tr.points, t);
        if (p)
          features.push({
            type: 'Feature',
            geometry: { type: 'Point', coordinates: p },
            properties: { callsign: callsign.get(tr.unitId) ?? '', status: 'en_route' },
          });
      }
      setSource(map.map, 'replay-units', fc(features));
      for (const li of stageRow.querySelectorAll('li')) {
        const s = r.stages.find((x) => x.stage === (li as HTMLElement).dataset.stage);
        li.classList.toggle('reached', Boolean(s?.at && Date.parse(s.at) <= t));
      }
    };
    const player = new Player(start, end, draw);
    panel.append(
      h(
        'p',
        {},
        h('b', {}, r.incident.number),
        ' ',
        categoryLabel(r.incident.category),
        ' ',
        r.incident.address ?? '',
      ),
      stageRow,
      player.el,
      etaTable,
      h(
        'p',
        { class: 'muted', id: 'replay-rings-note' },
        r.rings ? t('rp_ringsAt', { at: clock(r.rings.at) }) : t('rp_noRings'),
      ),
    );
    const pts = [
      [r.incident.location.lon, r.incident.location.lat],
      ...r.tracks.flatMap((t) => t.points.map((p) => [p[0], p[1]])),
    ];
    fit(map, pts);
    return player;
  });
}

function fit(map: MapView, pts: number[][]) {
  if (!pts.length) return;
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  map.map.fitBounds(
    [
      [Math.min(...xs) - 0.004, Math.min(...ys) - 0.004],
      [Math.max(...xs) + 0.004, Math.max(...ys) + 0.004],
    ],
    { padding: 60, animate: false, maxZoom: 16 },
  );
}

/** Replay of a district over a time window. */
export function openAreaReplay(map: MapView) {
  openPanel(map, t('rp_areaReplay'), async (panel) => {
    const districts = (await api.get<FeatureCollection>('/jurisdictions')).features.filter(
      (f) => (f.properties as JurisdictionView | null)?.kind === 'district',
    );
    const select = h(
      'select',
      { id: 'area-district' },
      districts.map((d) =>
        h(
          'option',
          { value: (d.properties as JurisdictionView).id },
          (d.properties as JurisdictionView).name,
        ),
      ),
    );
    // the last hour, ending after now (the input has minute precision)
    const hourAgo = new Date(Date.now() - 59 * 60_000);
    hourAgo.setSeconds(0, 0);
    const local = new Date(hourAgo.getTime() - hourAgo.getTimezoneOffset() * 60_000)
      .toISOString()
      .slice(0, 16);
    const fromIn = h('input', { type: 'datetime-local', id: 'area-from', value: local });
    const hoursIn = h('input', {
      type: 'number',
      id: 'area-hours',
      value: 1,
      min: 0.25,
      max: 24,
      step: 0.25,
    });
    const stepIn = h('input', { type: 'number', id: 'area-step', value: 15, min: 1, max: 600 });
    const out = h('div', { class: 'area-out' });
    let player: Player | null = null;
    const load = async () => {
      player?.stop();
      const from = new Date(fromIn.value);
      const to = new Date(from.getTime() + Number(hoursIn.value) * 3600_000);
      // the binary answer: a district-hour's points as int32 sections, decoded straight into the
      // typed arrays drawn from (no JSON to parse for them); the rest is its JSON head
      const { head: r, tracks } = decodeBinaryReplay<AreaReplay>(
        await api.getBytes(
          `/replay/area${qs({ districtId: select.value, from: from.toISOString(), to: to.toISOString(), stepSec: Number(stepIn.value), format: 'binary' })}`,
        ),
      );
      const ended = (i: AreaReplay['incidents'][number]) =>
        Math.min(
          ...[i.resolvedAt, i.cancelledAt, i.closedAt].map((x) => (x ? Date.parse(x) : Infinity)),
        );
      const draw = (t: number) => {
        setSource(
          map.map,
          'replay-incidents',
          fc(
            r.incidents
              .filter((i) => Date.parse(i.createdAt) <= t && ended(i) > t)
              .map((i) => ({
                type: 'Feature',
                geometry: { type: 'Point', coordinates: [i.location.lon, i.location.lat] },
                properties: { number: i.number },
              })),
          ),
        );
        const units: Feature[] = [];
        for (const [i, u] of r.units.entries()) {
          const p = positionOnTrack(tracks[i], t);
          if (p)
            units.push({
              type: 'Feature',
              geometry: { type: 'Point', coordinates: p },
              properties: { callsign: u.callsign, status: statusAt(u.statuses, t) },
            });
        }
        setSource(map.map, 'replay-units', fc(units));
      };
      player = new Player(Date.parse(r.from), Date.parse(r.to), draw);
      render(
        out,
        h(
          'p',
          { class: 'muted', id: 'area-summary' },
          r.incidents.length
            ? t('rp_incidents', { n: r.incidents.length, u: r.units.length, p: r.points })
            : t('rp_none'),
        ),
        player.el,
      );
      const [w, s, e, n] = r.district.bbox;
      fit(map, [
        [w, s],
        [e, n],
      ]);
    };
    panel.append(
      h(
        'div',
        { class: 'area-form' },
        h('label', {}, t('rp_district'), ' ', select),
        h('label', {}, t('rp_from'), ' ', fromIn),
        h('label', {}, t('rp_hours'), ' ', hoursIn),
        h('label', {}, t('rp_step'), ' ', stepIn),
        h('button', { type: 'button', id: 'area-load', onclick: () => void load() }, t('rp_load')),
      ),
      out,
    );
    return { stop: () => player?.stop() };
  });
}

/** The commander's entry points: reports, area replay, and the replay of each recent incident. */
export function mountReplayLauncher(host: HTMLElement, map: MapView): () => void {
  const list = h('ul', { class: 'replay-recent', id: 'replay-recent' });
  const section = h(
    'section',
    { class: 'replay-launcher', id: 'replay-launcher' },
    h(
      'div',
      { class: 'replay-actions' },
      // reports bring uPlot: loaded when first opened, not with the console
      h(
        'button',
        {
          type: 'button',
          class: 'small',
          id: 'open-reports',
          onclick: () => void import('./reports').then((m) => m.openReports()),
        },
        t('rp_reports'),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'small',
          id: 'open-safety-index',
          onclick: () => void import('./safety-index').then((m) => m.openSafetyIndex()),
        },
        t('si_open'),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'small',
          id: 'open-area-replay',
          onclick: () => openAreaReplay(map),
        },
        t('rp_areaReplay'),
      ),
    ),
    h('h3', {}, t('rp_recent')),
    list,
  );
  host.append(section);
  const load = async () => {
    const incidents = await api
      .get<
        {
          id: string;
          number: string;
          category: string;
          createdAt: string;
          dispatchedAt: string | null;
        }[]
      >(
        `/incidents${qs({ status: 'all', from: new Date(Date.now() - 86_400_000).toISOString(), limit: 200 })}`,
      )
      .catch(() => []);
    const recent = incidents
      .filter((i) => i.dispatchedAt)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, 12);
    render(
      list,
      recent.map((i) =>
        h(
          'li',
          {},
          h(
            'span',
            {},
            `${clock(i.createdAt)} ${categoryLabel(i.category)} `,
            h('small', { class: 'muted' }, i.number),
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'ghost small replay-open',
              'data-incident': i.id,
              onclick: () => openIncidentReplay(map, i.id),
            },
            t('rp_replay'),
          ),
        ),
      ),
    );
  };
  void load();
  const timer = window.setInterval(() => void load(), 60_000);
  return () => {
    clearInterval(timer);
    section.remove();
    active?.close();
  };
}
