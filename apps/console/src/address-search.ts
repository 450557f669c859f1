// Address suggestions for the call-taker. Today they come from the street names of the loaded
// road network (and the crossings of two named streets); a server-side place search can slot in
// behind the same interface later without touching the form.
import type { Feature } from 'geojson';
import { api, ApiError, qs } from './api';

export interface AddressSuggestion {
  label: string;
  lon: number;
  lat: number;
  kind: 'street' | 'crossing' | 'place';
}

export interface AddressSearch {
  search(query: string, limit?: number): Promise<AddressSuggestion[]>;
}

const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');

interface Street {
  name: string;
  key: string;
  lon: number;
  lat: number;
  lengthM: number;
}

function lengthM(coords: number[][]): number {
  let m = 0;
  for (let i = 1; i < coords.length; i++) {
    const [x1, y1] = coords[i - 1];
    const [x2, y2] = coords[i];
    const kx = 111_320 * Math.cos(((y1 + y2) / 2) * (Math.PI / 180));
    m += Math.hypot((x2 - x1) * kx, (y2 - y1) * 110_540);
  }
  return m;
}

/** Street and crossing index over road-network GeoJSON (`name` property of each segment). */
export class StreetIndex implements AddressSearch {
  private readonly streets: Street[] = [];
  private readonly crossings = new Map<string, { lon: number; lat: number }>();
  private readonly byName = new Map<string, Street>();

  constructor(features: Feature[]) {
    const nodeNames = new Map<string, Set<string>>();
    const nodeAt = new Map<string, [number, number]>();
    for (const f of features) {
      const name = (f.properties as { name?: string | null } | null)?.name;
      if (!name || !f.geometry) continue;
      const lines =
        f.geometry.type === 'LineString'
          ? [f.geometry.coordinates]
          : f.geometry.type === 'MultiLineString'
            ? f.geometry.coordinates
            : [];
      for (const coords of lines) {
        if (coords.length < 2) continue;
        const len = lengthM(coords);
        const mid = coords[Math.floor(coords.length / 2)];
        // a street is shown at the middle of its longest segment: on the street, not in a block
        const cur = this.byName.get(name);
        if (!cur || len > cur.lengthM) {
          const s = { name, key: norm(name), lon: mid[0], lat: mid[1], lengthM: len };
          this.byName.set(name, s);
        }
        for (const c of [coords[0], coords[coords.length - 1]]) {
          const k = `${c[0].toFixed(6)},${c[1].toFixed(6)}`;
          if (!nodeNames.has(k)) nodeNames.set(k, new Set());
          nodeNames.get(k)?.add(name);
          nodeAt.set(k, [c[0], c[1]]);
        }
      }
    }
    this.streets.push(...this.byName.values());
    for (const [k, names] of nodeNames) {
      if (names.size < 2) continue;
      const list = [...names].sort();
      const [lon, lat] = nodeAt.get(k) as [number, number];
      for (let i = 0; i < list.length; i++) {
        for (let j = i + 1; j < list.length; j++) {
          const key = `${list[i]}|${list[j]}`;
          if (!this.crossings.has(key)) this.crossings.set(key, { lon, lat });
        }
      }
    }
  }

  get size() {
    return this.streets.length;
  }

  async search(query: string, limit = 8): Promise<AddressSuggestion[]> {
    const q = norm(query);
    if (!q) return [];
    // "A与B", "A和B", "A/B", "A & B": the crossing of two streets
    const parts = q.split(/\s*(?:与|和|\/|&|＆|交叉口?)\s*/).filter(Boolean);
    if (parts.length >= 2) {
      const out: AddressSuggestion[] = [];
      for (const [key, p] of this.crossings) {
        const [a, b] = key.split('|');
        const na = norm(a);
        const nb = norm(b);
        if (
          (na.includes(parts[0]) && nb.includes(parts[1])) ||
          (nb.includes(parts[0]) && na.includes(parts[1]))
        ) {
          out.push({ label: `${a}与${b}交叉口`, lon: p.lon, lat: p.lat, kind: 'crossing' });
          if (out.length >= limit) break;
        }
      }
      return out;
    }
    const scored: { s: Street; score: number }[] = [];
    for (const s of this.streets) {
      const at = s.key.indexOf(q);
      if (at < 0) continue;
      scored.push({ s, score: (at === 0 ? 0 : 1) * 1000 + s.key.length });
    }
    scored.sort((a, b) => a.score - b.score || b.s.lengthM - a.s.lengthM);
    return scored
      .slice(0, limit)
      .map(({ s }) => ({ label: s.name, lon: s.lon, lat: s.lat, kind: 'street' }));
  }
}

/**
 * Asks the server's place search first (when the api offers one: `GET /api/v1/places/search?q=`)
 * and falls back to the local street index; a 404 switches the remote off for the session.
 */
export class RemoteFirstSearch implements AddressSearch {
  private remoteAvailable = true;

  constructor(private readonly local: AddressSearch) {}

  async search(query: string, limit = 8): Promise<AddressSuggestion[]> {
    if (this.remoteAvailable && query.trim().length >= 2) {
      try {
        const r = await api.get<{ results: AddressSuggestion[] }>(
          `/places/search${qs({ q: query, limit })}`,
        );
        if (r.results.length) return r.results.slice(0, limit);
      } catch (err) {
        if (err instanceof ApiError && (err.status === 404 || err.status === 405))
          this.remoteAvailable = false;
      }
    }
    return this.local.search(query, limit);
  }
}

/** A search whose index is still being built: queries wait for it. */
export class LazySearch implements AddressSearch {
  constructor(private readonly index: Promise<AddressSearch>) {}

  async search(query: string, limit = 8): Promise<AddressSuggestion[]> {
    return (await this.index).search(query, limit);
  }
}
