import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

/**
 * The embedded data directory belongs to one process. PGlite's own `postmaster.pid` holds a fixed
 * fake pid, so we keep ours beside it: the process that has the directory open, removed on close.
 */
export const DATA_DIR_OWNER_FILE = 'ringcad.pid';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is just not ours to signal
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The live process (other than this one) that has `dataDir` open, or null. */
export function dataDirOwner(dataDir: string): number | null {
  const file = join(dataDir, DATA_DIR_OWNER_FILE);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  return alive(pid) ? pid : null;
}

/** A backup or restore refused before it did anything (the message says why and what to do). */
export class DataDirRefusedError extends Error {}

export class DataDirInUseError extends DataDirRefusedError {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the data directory ${dataDir} is in use by process ${pid} (a RingCAD api); stop it first: ` +
        'an embedded data directory belongs to one process',
    );
  }
}

/** Marks `dataDir` as this process's; refuses one another live process holds. */
export function claimDataDir(dataDir: string): () => void {
  const owner = dataDirOwner(dataDir);
  if (owner !== null) throw new DataDirInUseError(dataDir, owner);
  const file = join(dataDir, DATA_DIR_OWNER_FILE);
  writeFileSync(file, `${process.pid}\n`);
  return () => {
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
    } catch {
      /* already gone */
    }
  };
}

/** Opens PGlite with PostGIS on `dataDir` (`memory://` for a throwaway database), in this thread. */
export async function openPGliteWithPostgis(dataDir: string, loadDataDir?: Blob): Promise<PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { postgis } = await import('@electric-sql/pglite-postgis');
  return PGlite.create({
    dataDir,
    extensions: { postgis },
    ...(loadDataDir ? { loadDataDir } : {}),
  });
}

/** What a backup or a restore found in the database: proof it opens and holds what it should. */
export interface DataDirSummary {
  incidents: number;
  units: number;
  users: number;
  migrations: number;
}

async function summarize(pg: PGlite): Promise<DataDirSummary> {
  const has = async (table: string) =>
    (await pg.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table])).rows[0]
      ?.t != null;
  const count = async (table: string) =>
    (await has(table))
      ? Number((await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n)
      : 0;
  return {
    incidents: await count('public.incidents'),
    units: await count('public.units'),
    users: await count('public.users'),
    migrations: await count('public.schema_migrations'),
  };
}

const GZIP = 'application/x-gzip';

/**
 * A consistent copy of a stopped embedded data directory: PGlite opens it (replaying its WAL),
 * `dumpDataDir` tars the whole directory (PostgreSQL's files and ours, e.g. the simulator's
 * state) while nothing else can write, gzipped. Written to `<file>.partial` and renamed, so a
 * failed backup never leaves a file that looks whole.
 */
export async function backupDataDir(
  dataDir: string,
  file: string,
): Promise<DataDirSummary & { bytes: number }> {
  const dir = resolve(dataDir);
  if (!existsSync(join(dir, 'PG_VERSION')))
    throw new DataDirRefusedError(
      `${dir} is not an embedded data directory (no PG_VERSION in it); set DATA_DIR or --data-dir`,
    );
  const release = claimDataDir(dir);
  let pg: PGlite | undefined;
  try {
    pg = await openPGliteWithPostgis(dir);
    const summary = await summarize(pg);
    // a checkpoint first: the archive's WAL then has nothing to replay on restore
    await pg.exec('CHECKPOINT');
    const tar = await pg.dumpDataDir('gzip');
    const bytes = Buffer.from(await tar.arrayBuffer());
    mkdirSync(dirname(resolve(file)), { recursive: true });
    const partial = `${file}.partial`;
    writeFileSync(partial, bytes);
    renameSync(partial, file);
    return { ...summary, bytes: bytes.length };
  } finally {
    await pg?.close();
    release();
  }
}

export interface RestoreOptions {
  /** Restore over a non-empty directory (it is moved aside, never deleted). */
  force?: boolean;
}

/**
 * Restores a backup into `dataDir`: refused while a process has that directory open, and over a
 * non-empty one unless `force` (then the old contents are moved to `<dataDir>.before-restore-<time>`).
 * The archive is unpacked by PGlite into a sibling directory and opened there (a damaged archive
 * fails here, before anything is replaced), then renamed into place.
 */
export async function restoreDataDir(
  file: string,
  dataDir: string,
  options: RestoreOptions = {},
): Promise<DataDirSummary & { movedAside: string | null }> {
  const dir = resolve(dataDir);
  if (!existsSync(file)) throw new DataDirRefusedError(`no such backup file: ${file}`);
  if (!statSync(file).isFile()) throw new DataDirRefusedError(`${file} is not a file`);
  const owner = existsSync(dir) ? dataDirOwner(dir) : null;
  if (owner !== null) throw new DataDirInUseError(dir, owner);
  const nonEmpty = existsSync(dir) && readdirSync(dir).length > 0;
  if (nonEmpty && !options.force)
    throw new DataDirRefusedError(
      `${dir} is not empty; restore into an empty or new directory, or add --force to move its contents aside first`,
    );
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const staging = `${dir}.restoring-${stamp}`;
  mkdirSync(staging, { recursive: true });
  let pg: PGlite | undefined;
  let summary: DataDirSummary;
  try {
    const archive = new Blob([readFileSync(file)], { type: GZIP });
    try {
      pg = await openPGliteWithPostgis(staging, archive);
    } catch (err) {
      throw new Error(
        `${file} is not a RingCAD embedded backup (${(err as Error).message || 'unreadable'})`,
      );
    }
    summary = await summarize(pg);
    if (summary.migrations === 0)
      throw new Error(`${file} holds a PostgreSQL directory without RingCAD's tables`);
    await pg.close();
    pg = undefined;
    // the backup process's mark is not an owner of the restored directory
    rmSync(join(staging, DATA_DIR_OWNER_FILE), { force: true });
  } catch (err) {
    await pg?.close().catch(() => undefined);
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  let movedAside: string | null = null;
  if (nonEmpty) {
    movedAside = `${dir}.before-restore-${stamp}`;
    renameSync(dir, movedAside);
  } else if (existsSync(dir)) {
    rmSync(dir, { recursive: true, force: true });
  }
  renameSync(staging, dir);
  return { ...summary, movedAside };
}
