import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import type { LoggerService } from '@nestjs/common';
import { createStack, login, ADMIN_PASSWORD, SERVICES_MODE, type Stack } from '../support/harness';

const SHARED = process.env.SHARED_DATA_DIR ?? resolve(__dirname, '../../../shared/data');
const CHENGDU = join(SHARED, 'chengdu-center-2018.osm');
const SHENZHEN = join(SHARED, 'shenzhen-futian-roads.geojson');

/** Every line the api logs, as text. */
class LineRecorder implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown) {
    this.lines.push(String(message));
  }
  warn(message: unknown) {
    this.lines.push(String(message));
  }
  error(message: unknown) {
    this.lines.push(String(message));
  }
  take(): string[] {
    return this.lines.splice(0);
  }
}

describe(`ROAD_NETWORK on start (${SERVICES_MODE ? 'services' : 'embedded'} mode)`, () => {
  let stack: Stack;
  const logs = new LineRecorder();
  const config = () => stack.config as { ROAD_NETWORK?: string };

  async function network() {
    const base = (await stack.startApi()).url;
    const admin = await login(base, 'admin', ADMIN_PASSWORD);
    const r = await admin.get('/api/v1/road-network');
    expect(r.status).toBe(200);
    await stack.stopApi();
    return r.body as { id: number; source: string; segments: number };
  }

  beforeAll(async () => {
    stack = await createStack({ ROAD_NETWORK: CHENGDU }, { logger: logs });
  });
  afterAll(async () => {
    await stack?.close();
  });

  // each test starts the api 1-3 times (PGlite boot, a city import)
  const SLOW = 300_000;
  let last: { id: number; source: string; segments: number } | undefined;

  it(
    'imports it into an empty system, keeps it on a restart with the same file',
    async () => {
      const first = await network();
      expect(first).toMatchObject({ source: 'chengdu-center-2018.osm', segments: 4647 });
      expect(logs.take()).toContainEqual(
        expect.stringMatching(`ROAD_NETWORK chengdu-center-2018.osm imported as #${first.id}`),
      );
      const again = await network();
      expect(again.id).toBe(first.id);
      last = again;
      expect(logs.take()).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `ROAD_NETWORK chengdu-center-2018\\.osm is the loaded road network #${first.id} .*: kept`,
          ),
        ),
      );
    },
    SLOW,
  );

  it(
    'replaces the loaded network with a different file and says so',
    async () => {
      const before = last ?? (await network());
      config().ROAD_NETWORK = SHENZHEN;
      const after = await network();
      expect(after.source).toBe('shenzhen-futian-roads.geojson');
      expect(after.id).not.toBe(before.id);
      const lines = logs.take();
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `ROAD_NETWORK shenzhen-futian-roads\\.geojson .* differs from the loaded road network #${before.id} chengdu-center-2018\\.osm .*: importing it to replace it`,
          ),
        ),
      );
      expect(lines).toContainEqual(
        `road network replaced: #${before.id} chengdu-center-2018.osm → #${after.id} shenzhen-futian-roads.geojson`,
      );
      last = after;
    },
    SLOW,
  );

  it(
    'refuses to start on an unreadable or malformed file, naming it, and keeps the loaded network',
    async () => {
      const loaded = last ?? (await network());
      const bad = join(tmpdir(), `ringcad-bad-${process.pid}.geojson`);
      writeFileSync(bad, '{"type":"FeatureCollection","features":[]}');
      for (const [file, why] of [
        [
          join(tmpdir(), 'ringcad-no-such-city.osm'),
          /ROAD_NETWORK=.*ringcad-no-such-city\.osm cannot be read/,
        ],
        [
          bad,
          /ROAD_NETWORK=.*ringcad-bad-\d+\.geojson: geojson: the FeatureCollection has no features/,
        ],
      ] as const) {
        config().ROAD_NETWORK = file;
        await expect(stack.startApi()).rejects.toThrow(why);
      }
      config().ROAD_NETWORK = undefined;
      const kept = await network();
      expect(kept).toEqual(loaded);
    },
    2 * SLOW,
  );
});

// the CLI opens its own PGlite directory; services mode runs the same service code above
const describeEmbedded = SERVICES_MODE ? describe.skip : describe;
const haveOsmium = (() => {
  try {
    execFileSync('osmium', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describeEmbedded('npm run import of a PBF (the built CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringcad-import-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  (haveOsmium ? it : it.skip)(
    'streams the file with progress lines and imports it',
    () => {
      const pbf = join(dir, 'chengdu.osm.pbf');
      execFileSync('osmium', ['cat', CHENGDU, '-o', pbf, '--overwrite']);
      const cli = resolve(__dirname, '../../dist/apps/api/src/import-cli.js');
      const out = execFileSync(process.execPath, [cli, pbf], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: join(dir, 'data') },
        encoding: 'utf8',
        timeout: 280_000,
      });
      const progress = out.split('\n').filter((l) => l.startsWith('importing chengdu.osm.pbf: '));
      // every 10 % of the file (a small file may cross several steps in one chunk), then "read"
      expect(progress.length).toBeGreaterThanOrEqual(2);
      expect(progress[progress.length - 1]).toMatch(
        /^importing chengdu\.osm\.pbf: 100% \(.* MB, \d+ blocks, \d+ nodes, 2278 highway ways, \d+ ms\) read$/,
      );
      expect(out).toMatch(/imported chengdu\.osm\.pbf: 3260 nodes, 4647 road segments/);
    },
    300_000,
  );
});
