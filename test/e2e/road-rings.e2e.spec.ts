import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MetricsService } from '@ringcad/core';
import { haversineM, ringMinutes } from '@ringcad/domain';
import { buildWorld, INCIDENT_POINT, type World } from '../support/fixtures';
import { client, createStack, SERVICES_MODE, sleep, type Stack } from '../support/harness';

const SHARED = process.env.SHARED_DATA_DIR ?? resolve(__dirname, '../../../shared/data');

describe(`rings on real streets (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  let world: World;
  let base: string;

  beforeAll(async () => {
    stack = await createStack({ ROAD_NETWORK: join(SHARED, 'chengdu-center-2018.osm') });
    base = (await stack.startApi()).url;
    world = await buildWorld(base);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('loads the city named by ROAD_NETWORK on start and describes it', async () => {
    const r = await world.dispatcher.get('/api/v1/road-network');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      source: 'chengdu-center-2018.osm',
      nodes: 3260,
      segments: 4647,
    });
    const [w, s, e, n] = r.body.bbox;
    expect(w).toBeLessThan(104.066);
    expect(e).toBeGreaterThan(104.066);
    expect(s).toBeLessThan(30.657);
    expect(n).toBeGreaterThan(30.657);
    const roads = await world.dispatcher.get(
      '/api/v1/road-network/geojson?bbox=104.06,30.65,104.07,30.66',
    );
    expect(roads.status).toBe(200);
    expect(roads.body.features.length).toBeGreaterThan(10);
    expect(roads.body.features[0].geometry.type).toBe('LineString');
    // every console loads the same city: it is cached, revalidated with an ETag, and gzipped
    const res = await fetch(`${base}/api/v1/road-network/geojson`, {
      headers: { authorization: `Bearer ${world.tokens.dispatcher}`, 'accept-encoding': 'gzip' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    const etag = res.headers.get('etag') as string;
    expect(etag).toMatch(/^"rn-/);
    const again = await fetch(`${base}/api/v1/road-network/geojson`, {
      headers: { authorization: `Bearer ${world.tokens.dispatcher}`, 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    // the basemap's two halves: arterials and side streets, one feature per street (class and
    // name), between them every class of the box
    const all = (await world.dispatcher.get('/api/v1/road-network/geojson')).body.features as {
      properties: { class: string };
    }[];
    const halves = [];
    for (const classes of ['major', 'minor']) {
      const r = await world.dispatcher.get(`/api/v1/road-network/geojson?classes=${classes}`);
      expect(r.status).toBe(200);
      halves.push(
        r.body.features as {
          geometry: { type: string; coordinates: unknown[] };
          properties: { class: string; name?: string };
        }[],
      );
    }
    const [major, minor] = halves;
    expect(major.some((f) => f.properties.class === 'primary')).toBe(true);
    expect(major.some((f) => f.properties.class === 'residential')).toBe(false);
    expect(
      minor.every((f) =>
        ['unclassified', 'residential', 'living_street', 'service'].includes(f.properties.class),
      ),
    ).toBe(true);
    const streets = [...major, ...minor];
    expect(
      new Set(streets.map((f) => `${f.properties.class}|${f.properties.name ?? ''}`)).size,
    ).toBe(streets.length);
    expect(new Set(streets.map((f) => f.properties.class))).toEqual(
      new Set(all.map((f) => f.properties.class)),
    );
    expect(streets.length).toBeLessThan(all.length / 4);
    for (const f of streets) expect(['LineString', 'MultiLineString']).toContain(f.geometry.type);
    expect((await world.dispatcher.get('/api/v1/road-network/geojson?classes=tiny')).status).toBe(
      400,
    );
    // the console's basemap: vector tiles of the streets in view, cached, revalidated and gzipped
    const z = 14;
    const tx = Math.floor(((104.065 + 180) / 360) * 2 ** z);
    const sin = Math.sin((30.655 * Math.PI) / 180);
    const ty = Math.floor((0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * 2 ** z);
    const tileUrl = `${base}/api/v1/road-network/tiles/${z}/${tx}/${ty}`;
    const auth = { authorization: `Bearer ${world.tokens.dispatcher}` };
    const tile = await fetch(tileUrl, { headers: { ...auth, 'accept-encoding': 'gzip' } });
    expect(tile.status).toBe(200);
    expect(tile.headers.get('content-type')).toMatch(/^application\/vnd\.mapbox-vector-tile/);
    expect(tile.headers.get('content-encoding')).toBe('gzip');
    const bytes = new Uint8Array(await tile.arrayBuffer());
    // one layer (field 3), named `roads`, its features tagged with their class
    expect(bytes[0]).toBe(0x1a);
    expect(Buffer.from(bytes).includes(Buffer.from('roads'))).toBe(true);
    expect(Buffer.from(bytes).includes(Buffer.from('class'))).toBe(true);
    const tileEtag = tile.headers.get('etag') as string;
    expect((await fetch(tileUrl, { headers: { ...auth, 'if-none-match': tileEtag } })).status).toBe(
      304,
    );
    // far from the city: an empty tile; not a tile: refused
    const empty = await fetch(`${base}/api/v1/road-network/tiles/${z}/0/0`, { headers: auth });
    expect(empty.status).toBe(200);
    expect((await empty.arrayBuffer()).byteLength).toBe(0);
    expect((await fetch(`${base}/api/v1/road-network/tiles/2/4/0`, { headers: auth })).status).toBe(
      400,
    );
    expect((await fetch(`${base}/api/v1/road-network/tiles/${z}/${tx}/${ty}`)).status).toBe(401);
  });

  it('finds streets and places for the call-taker by name', async () => {
    await world.admin.post('/api/v1/standby-points', {
      name: '人民公园岗亭',
      location: { lon: 104.056, lat: 30.659 },
    });
    const r = await world.calltaker.get(`/api/v1/places/search?q=${encodeURIComponent('人民')}`);
    expect(r.status).toBe(200);
    const labels = r.body.results.map((x: { label: string }) => x.label);
    expect(labels).toContain('人民公园岗亭');
    expect(
      labels.some(
        (l: string) => (l.startsWith('人民') && l.endsWith('路')) || /^人民.*段$/.test(l),
      ),
    ).toBe(true);
    for (const x of r.body.results) {
      expect(x.lon).toBeGreaterThan(104);
      expect(x.lat).toBeGreaterThan(30);
    }
    expect((await world.calltaker.get('/api/v1/places/search?q=')).status).toBe(400);
  });

  it('ranks units by road travel time with ring tiers', async () => {
    const created = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'criminal',
      priority: 2,
    });
    expect(created.status).toBe(201);
    const rec = created.body.recommendation;
    expect(rec.scheme.id).toBe('1-3-8');
    expect(rec.candidates.length).toBeGreaterThan(0);
    // every unit is a candidate, excluded with its reason, or counted as ranked off the list
    const units = await world.dispatcher.get('/api/v1/units');
    expect(
      rec.candidates.length +
        rec.excluded.length +
        rec.unranked.beyondSearch +
        rec.unranked.notRanked,
    ).toBe(units.body.length);
    for (const c of rec.candidates) expect(c.method).toBe('road');
    const etas = rec.candidates.map((c: { etaSec: number }) => c.etaSec);
    expect([...etas].sort((a, b) => a - b)).toEqual(etas);
    // road travel is never shorter than the straight line at the car's free-flow speed
    for (const c of rec.candidates) expect(c.distanceM).toBeGreaterThan(0);
    const route = await world.dispatcher.get(
      `/api/v1/incidents/${created.body.incident.id}/route?unitId=${rec.candidates[0].unitId}`,
    );
    expect(route.status).toBe(200);
    expect(route.body.geometry.type).toBe('LineString');
    expect(route.body.geometry.coordinates.length).toBeGreaterThan(1);
    expect(route.body.method).toBe('road');
    expect(route.body.distanceM).toBeGreaterThan(0);
  });

  it("draws a walking unit's route at walking pace, its distance the drawn line", async () => {
    const created = await world.calltaker.post('/api/v1/incidents', {
      location: INCIDENT_POINT,
      category: 'criminal',
      priority: 2,
    });
    const id = created.body.incident.id as string;
    const lineM = (coords: [number, number][]) =>
      coords
        .slice(1)
        .reduce(
          (m, c, i) =>
            m + haversineM({ lon: coords[i][0], lat: coords[i][1] }, { lon: c[0], lat: c[1] }),
          0,
        );
    const walker = world.units.find((u) => u.kind === 'foot')!;
    const car = world.units.find((u) => u.kind === 'patrol_car')!;
    const routes: Record<string, { etaSec: number; distanceM: number; method: string }> = {};
    for (const u of [walker, car]) {
      const r = await world.dispatcher.get(`/api/v1/incidents/${id}/route?unitId=${u.id}`);
      expect(r.status).toBe(200);
      expect(r.body.method).toBe('road');
      const coords = r.body.geometry.coordinates as [number, number][];
      const drawn = lineM(coords);
      // the distance is the drawn line's, access legs included (rounded to the metre)
      expect(Math.abs(r.body.distanceM - drawn)).toBeLessThanOrEqual(1);
      routes[u.kind] = r.body;
    }
    // 5 km/h over the drawn line, not the patrol car's road speeds
    expect(routes.foot.etaSec).toBeCloseTo(routes.foot.distanceM / (5 / 3.6), -1);
    expect(routes.foot.etaSec / routes.foot.distanceM).toBeGreaterThan(
      (3 * routes.patrol_car.etaSec) / routes.patrol_car.distanceM,
    );
    // and it agrees with the walker's candidate ETA
    const cand = (
      created.body.recommendation.candidates as { unitId: string; etaSec: number }[]
    ).find((c) => c.unitId === walker.id);
    if (cand) expect(Math.abs(cand.etaSec - routes.foot.etaSec) / cand.etaSec).toBeLessThan(0.1);
  });

  it('draws isochrones that grow with time', async () => {
    const r = await world.dispatcher.get(
      `/api/v1/isochrones?lon=${INCIDENT_POINT.lon}&lat=${INCIDENT_POINT.lat}&minutes=1,3,8&direction=to`,
    );
    expect(r.status).toBe(200);
    expect(r.body.type).toBe('FeatureCollection');
    expect(
      r.body.features.map((f: { properties: { minutes: number } }) => f.properties.minutes),
    ).toEqual([1, 3, 8]);
    for (const f of r.body.features) expect(['Polygon', 'MultiPolygon']).toContain(f.geometry.type);
    const size = (f: { geometry: { coordinates: unknown } }) =>
      JSON.stringify(f.geometry.coordinates).length;
    expect(size(r.body.features[2])).toBeGreaterThan(size(r.body.features[0]));
    const from = await world.dispatcher.get(
      `/api/v1/isochrones?lon=${INCIDENT_POINT.lon}&lat=${INCIDENT_POINT.lat}&minutes=3&direction=from`,
    );
    expect(from.status).toBe(200);
    const at = `lon=${INCIDENT_POINT.lon}&lat=${INCIDENT_POINT.lat}`;
    for (const bad of [
      `${at}&minutes=0`,
      `${at}&minutes=abc`,
      `${at}&direction=sideways`,
      `lon=999&lat=30`,
      `lat=30`,
    ]) {
      const res = await world.dispatcher.get(`/api/v1/isochrones?${bad}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
  });

  it("draws a new incident's rings as it is created, so the dispatcher's ask finds them drawn", async () => {
    const sets = async () => {
      const metric = stack
        .api()
        .app.get(MetricsService)
        .registry.getSingleMetric('ringcad_isochrone_sets_total');
      const values = (await metric?.get())?.values ?? [];
      const of = (answered: string) =>
        values.find((v) => v.labels.answered === answered)?.value ?? 0;
      return { ahead: of('ahead'), kept: of('kept'), drawn: of('drawn') };
    };
    // a place no earlier test asked about
    const at = { lon: INCIDENT_POINT.lon + 0.004, lat: INCIDENT_POINT.lat - 0.003 };
    // the rings of earlier tests' incidents drawn first (a draw still waiting would count as
    // this one's, and this ask would overtake its own draw: an ask goes before draws ahead)
    let before = await sets();
    for (let still = Date.now(); Date.now() - still < 1000; await sleep(50)) {
      const now = await sets();
      if (now.ahead !== before.ahead) [before, still] = [now, Date.now()];
    }
    const created = await world.calltaker.post('/api/v1/incidents', {
      location: at,
      category: 'criminal',
      priority: 2,
    });
    expect(created.status).toBe(201);
    const deadline = Date.now() + 10_000;
    while ((await sets()).ahead === before.ahead && Date.now() < deadline) await sleep(20);
    expect((await sets()).ahead).toBe(before.ahead + 1);
    // what the console asks for when it opens the incident: its scheme's rings, who can reach it
    const minutes = ringMinutes(created.body.recommendation.scheme);
    expect(minutes).toEqual([1, 3, 8]);
    const q = `lon=${at.lon}&lat=${at.lat}&minutes=${minutes.join(',')}&direction=to`;
    const asked = await world.dispatcher.get(`/api/v1/isochrones?${q}`);
    expect(asked.status).toBe(200);
    expect(
      asked.body.features.map((f: { properties: { minutes: number } }) => f.properties.minutes),
    ).toEqual(minutes);
    const after = await sets();
    expect(after).toEqual({ ahead: before.ahead + 1, kept: before.kept + 1, drawn: before.drawn });
    // rings nobody drew ahead are drawn for the ask
    const other = await world.dispatcher.get(
      `/api/v1/isochrones?lon=${at.lon}&lat=${at.lat}&minutes=2,5&direction=to`,
    );
    expect(other.status).toBe(200);
    expect((await sets()).drawn).toBe(before.drawn + 1);
  });

  it('refuses a malformed upload and keeps the loaded network, then replaces it with a good one', async () => {
    const before = (await world.dispatcher.get('/api/v1/road-network')).body;
    const admin = client(base, world.tokens.admin);
    for (const [format, body] of [
      ['osm', '<osm><way id="1"><nd ref="9"/>'],
      ['geojson', '{"type":"FeatureCollection","features":[]}'],
      ['pbf', 'not a pbf at all'],
    ] as const) {
      const r = await admin.raw('POST', `/api/v1/road-network?format=${format}`, body, {
        'content-type': 'application/octet-stream',
      });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await world.dispatcher.get('/api/v1/road-network')).body).toEqual(before);
    const forbidden = await world.dispatcher.raw(
      'POST',
      '/api/v1/road-network?format=geojson',
      '{}',
      { 'content-type': 'application/octet-stream' },
    );
    expect(forbidden.status).toBe(403);
    const geojson = readFileSync(join(SHARED, 'shenzhen-futian-roads.geojson'));
    const res = await fetch(`${base}/api/v1/road-network?format=geojson`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${world.tokens.admin}`,
        'content-type': 'application/octet-stream',
      },
      body: geojson,
    });
    expect(res.status).toBe(201);
    const after = (await world.dispatcher.get('/api/v1/road-network')).body;
    expect(after.id).not.toBe(before.id);
    expect(after.bbox[0]).toBeGreaterThan(113.9);
  });
});
