import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { sql } from 'kysely';
import type { Db } from '@ringcad/db';
import type { AppConfig } from './config';
import { DatabaseService } from './database.service';
import { repeatWithoutOverlap } from './repeat';
import { APP_CONFIG } from './tokens';

/** A table vacuumed (dead versions) and/or analysed (rows changed since its statistics). */
export interface VacuumedTable {
  table: string;
  deadVersions: number;
  vacuumed: boolean;
  analysed: boolean;
  ms: number;
}

/**
 * Vacuums, and analyses, the tables past PostgreSQL autovacuum's default vacuum threshold (dead
 * versions over 50 + 20 % of the rows), and analyses those that never had statistics once they
 * have rows (over 50 + 10 %). Unlike autovacuum it does not analyse a table again only because it
 * grew: on PGlite an ANALYZE holds the one session (the day's track partition took 470 ms at the
 * peak, every minute), and a grown table's statistics still describe its rows (the planner
 * scales them to its current size). Sessions' temporary tables are left alone. One statement
 * per table, outside any transaction (VACUUM cannot run inside one).
 */
export async function vacuumDueTables(db: Db): Promise<VacuumedTable[]> {
  const due = await sql<{
    schema: string;
    table: string;
    dead: number;
    vacuum: boolean;
  }>`
    SELECT schemaname AS schema, relname AS table, n_dead_tup::int AS dead, due_vacuum AS vacuum
    FROM (
      SELECT *, n_dead_tup > 50 + 0.2 * greatest(n_live_tup, 0) AS due_vacuum,
        last_analyze IS NULL AND last_autoanalyze IS NULL
          AND n_mod_since_analyze > 50 + 0.1 * greatest(n_live_tup, 0) AS due_statistics
      FROM pg_stat_user_tables
      WHERE left(schemaname, 7) <> 'pg_temp'
    ) t
    WHERE due_vacuum OR due_statistics
    ORDER BY n_dead_tup DESC`.execute(db);
  const done: VacuumedTable[] = [];
  for (const t of due.rows) {
    const started = performance.now();
    const what = t.vacuum ? sql`VACUUM (ANALYZE)` : sql`ANALYZE`;
    await sql`${what} ${sql.id(t.schema, t.table)}`.execute(db);
    done.push({
      table: `${t.schema}.${t.table}`,
      deadVersions: t.dead,
      vacuumed: t.vacuum,
      analysed: true,
      ms: Math.round(performance.now() - started),
    });
  }
  return done;
}

/**
 * PGlite runs PostgreSQL as one embedded session, with no autovacuum worker: a table's dead row
 * versions stay until someone vacuums it. The units' rows are rewritten every 5 s per unit, the
 * queue's jobs move from state to state, timers come and go; unvacuumed, those tables only grow
 * and every read of them slows over a shift. The processors of an embedded process do what
 * autovacuum would, every EMBEDDED_VACUUM_SEC, as background work (a 110 call's statements go
 * first). PostgreSQL (services mode) has its own autovacuum.
 */
@Injectable()
export class EmbeddedVacuumService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EmbeddedVacuumService.name);
  private stop?: () => void;

  constructor(
    private readonly database: DatabaseService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap() {
    if (this.database.raw.kind !== 'pglite' || !this.config.runProcessors) return;
    if (this.config.EMBEDDED_VACUUM_SEC <= 0) return;
    this.stop = repeatWithoutOverlap(
      this.config.EMBEDDED_VACUUM_SEC * 1000,
      async () => {
        const done = await vacuumDueTables(this.database.db);
        for (const t of done) {
          const line = `${t.vacuumed ? 'vacuumed' : 'analysed'} ${t.table} (${t.deadVersions} dead versions) in ${t.ms} ms`;
          // one that held the session long is worth knowing about
          if (t.ms >= 250) this.logger.log(line);
          else this.logger.debug(line);
        }
      },
      (err) => this.logger.warn(`vacuum failed: ${err.message}`),
    );
  }

  onApplicationShutdown() {
    this.stop?.();
  }
}
