import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { migrate, openDatabase, type DatabaseHandle, type Db, type Tx } from '@ringcad/db';
import type { AppConfig } from './config';
import { findProjectPath } from './paths';
import { APP_CONFIG } from './tokens';

/** Owns the database handle of this process; opened and migrated before anything else runs. */
@Injectable()
export class DatabaseService implements OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseService.name);
  private handle!: DatabaseHandle;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async open(): Promise<void> {
    const started = Date.now();
    this.handle = await openDatabase({
      url: this.config.DATABASE_URL,
      dataDir: this.config.DATA_DIR,
      pgliteThread: this.config.PGLITE_THREAD,
    });
    const applied = await migrate(this.handle, findProjectPath('db/migrations'));
    this.logger.log(
      `${this.handle.kind} ready in ${Date.now() - started} ms${applied.length ? `, applied ${applied.join(', ')}` : ''}`,
    );
  }

  get db(): Db {
    return this.handle.db;
  }

  get raw(): DatabaseHandle {
    return this.handle;
  }

  /** One transaction; nothing inside may use the root `db` (it would deadlock on PGlite). */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.handle.db.transaction().execute(fn);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.handle?.close();
  }
}
