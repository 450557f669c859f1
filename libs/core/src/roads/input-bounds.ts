import { Inject, Injectable } from '@nestjs/common';
import { Clock, type AppConfig, DomainError, APP_CONFIG } from '../platform';
import { RoadNetworkService } from './road-network.service';

export type Bbox = [number, number, number, number];

export interface ServiceArea {
  bbox: Bbox;
  source: 'SERVICE_AREA_BBOX' | 'road-network';
}

const M_PER_DEG_LAT = 111_320;

/** `bbox` grown by `marginM` on every side (longitude degrees shrink with latitude). */
export function growBbox([w, s, e, n]: Bbox, marginM: number): Bbox {
  const dLat = marginM / M_PER_DEG_LAT;
  const widestLat = Math.min(89, Math.max(Math.abs(s), Math.abs(n)));
  const dLon = marginM / (M_PER_DEG_LAT * Math.cos((widestLat * Math.PI) / 180));
  return [
    Math.max(-180, w - dLon),
    Math.max(-90, s - dLat),
    Math.min(180, e + dLon),
    Math.min(90, n + dLat),
  ];
}

export const inBbox = ([w, s, e, n]: Bbox, p: { lon: number; lat: number }) =>
  p.lon >= w && p.lon <= e && p.lat >= s && p.lat <= n;

/**
 * What a client may claim about where and when: a typo'd coordinate or a terminal whose clock is
 * a year off is refused (400, field path) instead of becoming an incident nobody can reach or a
 * track that replays the wrong day. Checked before anything is written.
 */
@Injectable()
export class InputBounds {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly roads: RoadNetworkService,
  ) {}

  /** The configured box, else the loaded road network's box plus the margin, else none. */
  serviceArea(): ServiceArea | null {
    const configured = this.config.SERVICE_AREA_BBOX;
    if (configured === 'off') return null;
    if (configured) return { bbox: configured, source: 'SERVICE_AREA_BBOX' };
    const network = this.roads.summary();
    if (!network) return null;
    return {
      bbox: growBbox(network.bbox, this.config.SERVICE_AREA_MARGIN_KM * 1000),
      source: 'road-network',
    };
  }

  /** Throws VALIDATION_FAILED naming every point (by `pathOf(i)`) outside the service area. */
  assertInServiceArea(
    points: readonly { lon: number; lat: number }[],
    pathOf: (i: number) => string,
  ) {
    const area = this.serviceArea();
    if (!area) return;
    const bad: { path: string; message: string }[] = [];
    for (let i = 0; i < points.length && bad.length < 20; i++) {
      if (!inBbox(area.bbox, points[i]))
        bad.push({
          path: pathOf(i),
          message: `outside the service area ${area.bbox.map((v) => v.toFixed(4)).join(',')}`,
        });
    }
    if (bad.length) {
      const what =
        area.source === 'road-network'
          ? `the road network's extent plus ${this.config.SERVICE_AREA_MARGIN_KM} km`
          : 'SERVICE_AREA_BBOX';
      throw new DomainError(
        'VALIDATION_FAILED',
        `${bad[0].path} is outside the service area (${what}; w,s,e,n ${area.bbox.map((v) => v.toFixed(4)).join(',')})`,
        bad,
      );
    }
  }

  /**
   * Every corner of a jurisdiction's boundary lies in the service area too: one stray corner
   * (a coordinate typed as 0.3 instead of 30.3) makes a district span half the globe, and every
   * coverage computation then rasterises it.
   */
  assertAreaInServiceArea(
    geometry:
      | { type: 'Polygon'; coordinates: number[][][] }
      | { type: 'MultiPolygon'; coordinates: number[][][][] },
  ) {
    const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
    const corners: { lon: number; lat: number }[] = [];
    const paths: string[] = [];
    polygons.forEach((rings, pi) =>
      rings.forEach((ring, ri) =>
        ring.forEach((c, ci) => {
          corners.push({ lon: c[0], lat: c[1] });
          paths.push(
            geometry.type === 'Polygon'
              ? `boundary.coordinates.${ri}.${ci}`
              : `boundary.coordinates.${pi}.${ri}.${ci}`,
          );
        }),
      ),
    );
    this.assertInServiceArea(corners, (i) => paths[i]);
  }

  /**
   * Throws VALIDATION_FAILED when a client time lies beyond MAX_CLOCK_SKEW_SEC ahead of our
   * clock or more than `maxAgeMs` before it.
   */
  assertRecent(
    times: readonly number[],
    maxAgeMs: number,
    pathOf: (i: number) => string,
    now = this.clock.now().getTime(),
  ) {
    const latest = now + this.config.MAX_CLOCK_SKEW_SEC * 1000;
    const earliest = now - maxAgeMs;
    for (let i = 0; i < times.length; i++) {
      const t = times[i];
      if (t >= earliest && t <= latest) continue;
      const message =
        t > latest
          ? `is more than ${this.config.MAX_CLOCK_SKEW_SEC} s in the future (server time ${new Date(now).toISOString()})`
          : `is more than ${describeAge(maxAgeMs)} in the past (server time ${new Date(now).toISOString()})`;
      throw new DomainError('VALIDATION_FAILED', `${pathOf(i)} ${message}`, [
        { path: pathOf(i), message },
      ]);
    }
  }

  assertReceivedAt(receivedAtMs: number, now?: number) {
    this.assertRecent(
      [receivedAtMs],
      this.config.MAX_PAST_HOURS * 3600_000,
      () => 'receivedAt',
      now,
    );
  }

  assertPositionTimes(atMs: readonly number[], now?: number) {
    this.assertRecent(
      atMs,
      this.config.MAX_POSITION_AGE_SEC * 1000,
      (i) => `positions.${i}.at`,
      now,
    );
  }
}

function describeAge(ms: number): string {
  return ms >= 3600_000 && ms % 3600_000 === 0
    ? `${ms / 3600_000} h`
    : `${Math.round(ms / 1000)} s`;
}
