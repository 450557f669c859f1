import { resolve } from 'node:path';
import { backupDataDir, DataDirRefusedError, restoreDataDir } from '@ringcad/db';

/**
 * `npm run backup -- <file>` and `npm run restore -- <file> [--force]`: backup and restore of the
 * embedded data directory (`DATA_DIR`, default ./.data; or `--data-dir <dir>`). Both need the api
 * stopped (an embedded data directory belongs to one process). Services mode backs up with
 * pg_dump / pg_restore (README, 运维 / Operations).
 */
const USAGE = `usage:
  npm run backup  -- <file.tar.gz> [--data-dir <dir>]
  npm run restore -- <file.tar.gz> [--data-dir <dir>] [--force]
DATA_DIR (default ./.data) is the embedded data directory; stop the api first.
In services mode (DATABASE_URL set) use pg_dump / pg_restore instead (see README).`;

class UsageError extends Error {}

function parseArgs(argv: string[]) {
  const [command, ...rest] = argv;
  let file: string | undefined;
  let dataDir = process.env.DATA_DIR || './.data';
  let force = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--force') force = true;
    else if (a === '--data-dir') {
      const v = rest[++i];
      if (!v) throw new UsageError('--data-dir needs a directory');
      dataDir = v;
    } else if (a === '--help' || a === '-h') throw new UsageError('');
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else if (file) throw new UsageError(`one file only (got ${file} and ${a})`);
    else file = a;
  }
  if (command !== 'backup' && command !== 'restore')
    throw new UsageError(`unknown command ${command ?? ''}`);
  if (!file) throw new UsageError(`${command}: which file?`);
  if (force && command === 'backup') throw new UsageError('--force is for restore');
  return { command, file, dataDir: resolve(dataDir), force };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (process.env.DATABASE_URL) {
    throw new UsageError(
      `${args.command}: DATABASE_URL is set (services mode): the data is in PostgreSQL; use pg_dump -Fc / pg_restore (README, 运维 / Operations)`,
    );
  }
  const started = Date.now();
  if (args.command === 'backup') {
    const r = await backupDataDir(args.dataDir, args.file);
    process.stdout.write(
      `backup of ${args.dataDir} written to ${resolve(args.file)}: ${(r.bytes / 1e6).toFixed(1)} MB, ` +
        `${r.incidents} incidents, ${r.units} units, ${r.users} accounts, ${r.migrations} migrations, in ${Date.now() - started} ms\n`,
    );
    return;
  }
  const r = await restoreDataDir(args.file, args.dataDir, { force: args.force });
  process.stdout.write(
    `restored ${resolve(args.file)} into ${args.dataDir}: ${r.incidents} incidents, ${r.units} units, ` +
      `${r.users} accounts, in ${Date.now() - started} ms` +
      `${r.movedAside ? `; the directory's previous contents are in ${r.movedAside}` : ''}\n` +
      `start the api with DATA_DIR=${args.dataDir}\n`,
  );
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`${err.message ? `${err.message}\n` : ''}${USAGE}\n`);
    process.exit(2);
  }
  if (err instanceof DataDirRefusedError) {
    process.stderr.write(`refused: ${err.message}\n`);
    process.exit(3);
  }
  process.stderr.write(`failed: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
