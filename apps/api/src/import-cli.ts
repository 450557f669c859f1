import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { existsSync } from 'node:fs';
import {
  ConfigError,
  DomainError,
  PlatformModule,
  RoadNetworkService,
  RoadsModule,
  loadConfig,
} from '@ringcad/core';

/** Only what an import needs: the platform and the road network. */
@Module({})
class ImportCliModule {}

/**
 * `npm run import -- <file>`: loads a road network (.osm, .osm.pbf, .geojson) into the database
 * this configuration points at. In embedded mode stop the api first: a PGlite data directory
 * belongs to one process.
 */
async function main() {
  const file = process.argv[2];
  if (!file)
    throw new ConfigError('usage: npm run import -- <file.osm | file.osm.pbf | file.geojson>');
  if (!existsSync(file)) throw new ConfigError(`no such file: ${file}`);
  const config = { ...loadConfig(), DEMO: false, ROAD_NETWORK: undefined, runProcessors: false };
  const app = await NestFactory.createApplicationContext(
    { module: ImportCliModule, imports: [PlatformModule.forRoot({ config }), RoadsModule] },
    { logger: ['error', 'warn'] },
  );
  try {
    const started = Date.now();
    // a PBF streams: its progress every 10 % (other formats are parsed whole)
    const summary = await app
      .get(RoadNetworkService)
      .importFile(file, (line) => process.stdout.write(`${line}\n`));
    process.stdout.write(
      `imported ${summary.source}: ${summary.nodes} nodes, ${summary.segments} road segments, ${summary.edges} directed edges, ` +
        `${summary.islands.components} connected components (largest ${summary.islands.largestComponentNodes} nodes) in ${Date.now() - started} ms\n`,
    );
  } finally {
    await app.close();
  }
}

main().catch((err: unknown) => {
  const known = err instanceof ConfigError || err instanceof DomainError;
  process.stderr.write(
    `${known ? `import failed: ${err.message}` : ((err as Error)?.stack ?? String(err))}\n`,
  );
  process.exit(known ? 2 : 1);
});
