import { buildRoadGraph } from './road-graph';
import { importGeoJsonRoads } from './geojson-import';
import {
  addChunkToHour,
  binAreas,
  encodeChunkSegments,
  encodeHourSegments,
  patrolPointKey,
  patrolVisibility,
  planCompliance,
  trackPasses,
  visibilityFromChunks,
  visibilityFromHours,
  BINS,
  CHUNK_MIN,
  HOUR_MS,
  MATCH_CHUNK_MS,
  type HourRollup,
  type StoredChunkTile,
} from './patrol';
import { patrolAt, patrolBox, patrolDriveEast, patrolGrid } from './patrol.fixture';

const graph = buildRoadGraph(importGeoJsonRoads(patrolGrid()));
const T = Date.UTC(2026, 11, 5, 1, 0);
const MIN = 60_000;
const west = patrolBox(-50, -50, 100, 450);
const east = patrolBox(100, -50, 450, 450);
const drive = { unitId: 'u1', points: patrolDriveEast(T + MIN) };
const points = [
  { id: 'crossing', ...patrolAt(200, 200), area: 1 },
  { id: 'corner', ...patrolAt(0, 400), area: 0 },
];

describe('patrol visibility (见警率) on a 3 × 3 grid', () => {
  it('matches a drive along the middle street to its two segments, every bin', () => {
    const passes = trackPasses(graph, drive.points);
    const segs = new Set(passes.map((p) => p.segment));
    expect(segs.size).toBe(2);
    const bins = new Set<number>();
    for (const p of passes)
      for (let b = p.binFrom; b <= p.binTo; b++) bins.add(p.segment * BINS + b);
    expect(bins.size).toBe(2 * BINS);
  });

  it('fills a gap of one street with that street (a segment, not an edge code)', () => {
    // (100, 0) on the south street, then (200, 300) on the middle north–south one: the stretch
    // between is the north–south street's southern block
    const passes = trackPasses(graph, [
      { ...patrolAt(100, 0), ms: T, headingDeg: 90 },
      { ...patrolAt(200, 300), ms: T + 30_000, headingDeg: 0 },
    ]);
    expect(passes.every((p) => p.segment >= 0 && p.segment < graph.segmentCount)).toBe(true);
    expect(new Set(passes.map((p) => p.segment)).size).toBe(3);
    const full = passes.filter((p) => p.binFrom === 0 && p.binTo === BINS - 1);
    expect(full).toHaveLength(1);
    const s = full[0].segment;
    const ends = [graph.segFrom[s], graph.segTo[s]].map((v) => [
      Math.round(graph.nodeLon[v] * 1e6),
      Math.round(graph.nodeLat[v] * 1e6),
    ]);
    const want = [patrolAt(200, 0), patrolAt(200, 200)].map((p) => [
      Math.round(p.lon * 1e6),
      Math.round(p.lat * 1e6),
    ]);
    expect(ends.sort()).toEqual(want.sort());
  });

  it('gives the street-km and point shares worked out on paper, per slot and grid', () => {
    const slots = patrolVisibility(graph, [drive], {
      areas: [west, east],
      points,
      fromMs: T,
      toMs: T + 20 * MIN,
      slotMs: 10 * MIN,
      windowMs: 10 * MIN,
    });
    expect(slots).toHaveLength(2);
    const [s0, s1] = slots;
    expect(s0.streetKmPct).toBeCloseTo((100 * 0.4) / 2.4, 0);
    expect(s0.byArea[0]).toMatchObject({
      streetKm: 0.7,
      streetKmSeen: 0.1,
      points: 1,
      pointsVisited: 0,
    });
    expect(s0.byArea[1]).toMatchObject({
      streetKm: 1.7,
      streetKmSeen: 0.3,
      points: 1,
      pointsVisited: 1,
    });
    expect(s0.pointsVisitedPct).toBe(50);
    expect(s1.streetKmPct).toBe(0);
    expect(s1.pointsVisitedPct).toBe(0);
    // a 20-minute look-back still sees the drive at the end of the second slot
    const longer = patrolVisibility(graph, [drive], {
      areas: [west, east],
      points,
      fromMs: T,
      toMs: T + 20 * MIN,
      slotMs: 10 * MIN,
      windowMs: 20 * MIN,
    });
    expect(longer[1].streetKmPct).toBe(s0.streetKmPct);
  });

  it('assigns every street bin of the box to exactly one grid', () => {
    const ba = binAreas(graph, [west, east]);
    expect([...ba].every((a) => a === 0 || a === 1)).toBe(true);
  });

  it('scores plan compliance: points by frequency, a line driven, an area swept', () => {
    const c = planCompliance(graph, [drive], {
      points: [
        { ...patrolAt(200, 200), visitsPerShift: 1 },
        { ...patrolAt(400, 0), visitsPerShift: 1 },
        { ...patrolAt(0, 200), visitsPerShift: 2 },
      ],
      lines: [
        [
          [patrolAt(0, 200).lon, patrolAt(0, 200).lat],
          [patrolAt(400, 200).lon, patrolAt(400, 200).lat],
        ],
        [
          [patrolAt(0, 400).lon, patrolAt(0, 400).lat],
          [patrolAt(400, 400).lon, patrolAt(400, 400).lat],
        ],
      ],
      areas: [west],
    });
    expect(c.points.map((p) => [p.visits, p.met])).toEqual([
      [1, true],
      [0, false],
      [1, false],
    ]);
    expect(c.pointsMetPct).toBeCloseTo(33.3, 1);
    expect(c.lineKm).toBeCloseTo(0.8, 2);
    expect(c.lineDrivenPct).toBe(50);
    expect(c.areaKm).toBeCloseTo(0.7, 2);
    expect(c.areaSweptPct).toBeCloseTo((100 * 0.1) / 0.7, 0);
  });
});

describe('patrol visibility from the hour roll-ups', () => {
  it('answers every look-back of an hour or more as the minutes it was rolled up from do', () => {
    let seed = 17;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const H0 = Date.UTC(2026, 11, 5, 0);
    const keys = points.map((p) => patrolPointKey(p.lon, p.lat));
    const binArea = binAreas(graph, [west, east]);
    const partial: number[] = [];
    for (let trial = 0; trial < 60; trial++) {
      // random minute masks in a random half of the chunks of four hours, rolled up per hour
      const chunks: StoredChunkTile[] = [];
      const hours = new Map<number, HourRollup>();
      const density = 0.05 + 0.3 * rand();
      for (let c = 0; c < (4 * HOUR_MS) / MATCH_CHUNK_MS; c++) {
        if (rand() < 0.5) continue;
        const chunkMs = H0 + c * MATCH_CHUNK_MS;
        const segments = new Map<number, Uint8Array>();
        for (let s = 0; s < graph.segmentCount; s++) {
          const masks = new Uint8Array(CHUNK_MIN);
          for (let m = 0; m < CHUNK_MIN; m++)
            if (rand() < density) masks[m] = rand() < 0.5 ? 0xff : 1 + Math.floor(rand() * 255);
          if (masks.some((x) => x)) segments.set(s, masks);
        }
        const pts: Record<string, number> = {};
        for (const k of keys) if (rand() < density) pts[k] = 1 + Math.floor(rand() * 31);
        const bytes = encodeChunkSegments(segments);
        chunks.push({ chunkMs, segments: bytes, points: pts });
        const hourMs = Math.floor(chunkMs / HOUR_MS) * HOUR_MS;
        let h = hours.get(hourMs);
        if (!h) hours.set(hourMs, (h = { segments: new Map(), points: {} }));
        addChunkToHour(h, hourMs, chunkMs, bytes, pts);
      }
      const stored = [...hours].map(([hourMs, h]) => ({
        hourMs,
        segments: encodeHourSegments(h.segments),
        points: h.points,
      }));
      const fromMs = H0 + (30 + Math.floor(rand() * 150)) * MIN + (rand() < 0.5 ? 17_000 : 0);
      const o = {
        areas: [west, east],
        binArea,
        points,
        fromMs,
        toMs: fromMs + (1 + Math.floor(rand() * 180)) * MIN,
        slotMs: [5, 10, 15, 30, 60, 90][Math.floor(rand() * 6)] * MIN,
        windowMs: (60 + Math.floor(rand() * 5) * 15) * MIN,
      };
      const byHour = visibilityFromHours(graph, stored, o);
      expect(byHour).toEqual(visibilityFromChunks(graph, chunks, o));
      for (const s of byHour)
        if (s.streetKmPct > 0 && s.streetKmPct < 100) partial.push(s.streetKmPct);
    }
    // the draws reach slots neither empty nor full
    expect(partial.length).toBeGreaterThan(20);
  });
});
