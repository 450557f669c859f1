import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ExerciseView, StartExerciseRequest } from '@ringcad/contracts';
import {
  findScheme,
  randomInjects,
  scoreExercise,
  type ExerciseInject,
  type IncidentCategory,
  type Priority,
  type UnitKind,
} from '@ringcad/domain';
import { assertJurisdictionInScope, coversJurisdiction, ScopeService } from '../auth';
import {
  actorOf,
  appendAudit,
  Clock,
  DatabaseService,
  DomainError,
  notFound,
  sharedRuns,
  type Principal,
  type UserPrincipal,
} from '../platform';
import { InputBounds } from '../roads';
import { IncidentsService } from '../incidents';
import {
  claimDueInjects,
  exerciseIncidents,
  finishExhausted,
  injectProgress,
  insertExercise,
  jurisdictionExists,
  recentExercises,
  randomPointsIn,
  selectExercise,
  settleInject,
  stopExercise,
  type ClaimedInject,
  type ExerciseRecord,
} from './exercises.queries';

/** How often the runner looks for injects that have come due. */
const TICK_MS = 1000;
/** Injects filed per look (the rest on the next). */
const BATCH = 50;
/** Exercises the list shows. */
const RECENT = 10;

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
const date = (s: string | null) => (s ? new Date(s) : null);

/**
 * 演练: exercises. An exercise is a list of incidents (scripted, or random in a window and an
 * area), each filed when its time comes as an exercise incident through IncidentsService.create —
 * the same call `POST /api/v1/incidents` makes — in the name of the commander who started it, so
 * dispatchers and units work it as a real call. Its score is computed from its own incidents only.
 *
 * The runner lives in the api process (every instance; SKIP LOCKED files each inject once) and
 * reads the Clock, not the wall: it needs no queue, and a test moves it by moving the clock.
 */
@Injectable()
export class ExercisesService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExercisesService.name);
  private timer?: NodeJS.Timeout;
  /** Looks for due injects, one at a time per process (see {@link tick}). */
  private readonly looks = sharedRuns(() =>
    this.fileDue().catch((err: Error) => this.logger.warn(`exercise runner: ${err.message}`)),
  );

  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly scopes: ScopeService,
    private readonly bounds: InputBounds,
    private readonly incidents: IncidentsService,
  ) {}

  onApplicationBootstrap() {
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  async onApplicationShutdown() {
    if (this.timer) clearInterval(this.timer);
    await this.looks.idle();
  }

  async start(input: StartExerciseRequest, by: Principal): Promise<ExerciseView> {
    if (by.kind !== 'user') throw new DomainError('FORBIDDEN', 'only a user starts an exercise');
    const jurisdictionId = input.jurisdictionId ?? null;
    if (jurisdictionId && !(await jurisdictionExists(this.database.db, jurisdictionId)))
      throw new DomainError('VALIDATION_FAILED', 'unknown jurisdiction', [
        { path: 'jurisdictionId', message: 'no such jurisdiction' },
      ]);
    const injects = await this.plan(input);
    this.bounds.assertInServiceArea(
      injects.map((x) => x.location),
      (i) => (input.scenario ? `scenario.incidents.${i}.location` : `random.polygon`),
    );
    const now = this.clock.now();
    const row = await this.database.transaction(async (tx) => {
      const e = await insertExercise(
        tx,
        {
          name: input.name,
          status: 'running',
          jurisdiction_id: jurisdictionId,
          started_at: now,
          created_by: by.id,
          created_by_name: by.username,
          filed_by: filedAs(by),
          spec: input,
        },
        injects,
      );
      await appendAudit(tx, now, actorOf(by), 'exercise.started', 'exercise', e.id, {
        name: input.name,
        incidents: injects.length,
      });
      return e;
    });
    // what is due at once (atSec 0) is filed before the answer
    await this.tick();
    return this.view(row.id);
  }

  async stop(id: string, by: Principal): Promise<ExerciseView> {
    const e = await this.read(id, by);
    const now = this.clock.now();
    await this.database.transaction(async (tx) => {
      const stopped = await stopExercise(tx, e.id, now);
      if (!stopped) throw new DomainError('CONFLICT', `exercise is already ${e.status}`);
      await appendAudit(tx, now, actorOf(by), 'exercise.stopped', 'exercise', e.id, {});
    });
    return this.view(id);
  }

  /** The latest exercises the principal's scope covers, running ones first, each with its score. */
  async list(by: Principal): Promise<ExerciseView[]> {
    const scope = await this.scopes.scopeOf(by);
    const rows = (await recentExercises(this.database.db, RECENT)).filter((e) =>
      coversJurisdiction(scope, e.jurisdiction_id),
    );
    const views: ExerciseView[] = [];
    for (const e of rows) views.push(await this.view(e.id));
    return views;
  }

  async get(id: string, by: Principal): Promise<ExerciseView> {
    await this.read(id, by);
    return this.view(id);
  }

  /**
   * Files every inject that has come due; one look at a time per process. A look already under way
   * may have claimed before the caller's exercise committed (a start answers with what was due at
   * once filed): the caller then waits for one more look after it, shared by every caller meanwhile.
   */
  tick(): Promise<void> {
    return this.looks();
  }

  private async fileDue(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      const due = await this.database.transaction((tx) => claimDueInjects(tx, now, BATCH));
      for (const x of due) await this.file(x);
      await finishExhausted(this.database.db, now);
      if (due.length < BATCH) return;
    }
  }

  private async file(x: ClaimedInject): Promise<void> {
    try {
      const { body } = await this.incidents.create(
        {
          location: { lon: x.lon, lat: x.lat },
          category: x.category as IncidentCategory,
          priority: x.priority as Priority,
          description: `演练 ${x.name} #${x.seq + 1}`,
          exercise: true,
          exerciseId: x.exercise_id,
        },
        x.filed_by as unknown as UserPrincipal,
      );
      await settleInject(this.database.db, x.exercise_id, x.seq, { incidentId: body.incident.id });
    } catch (err) {
      const error = err instanceof DomainError ? err.code : 'INTERNAL';
      this.logger.warn(`exercise ${x.exercise_id} inject ${x.seq}: ${(err as Error).message}`);
      await settleInject(this.database.db, x.exercise_id, x.seq, { error });
    }
  }

  private async plan(input: StartExerciseRequest): Promise<ExerciseInject[]> {
    if (input.scenario) return [...input.scenario.incidents].sort((a, b) => a.atSec - b.atSec);
    const r = input.random as NonNullable<StartExerciseRequest['random']>;
    const seed = r.seed ?? Math.floor(this.clock.now().getTime() / 1000) % 2 ** 31;
    const points = await randomPointsIn(
      this.database.db,
      { jurisdictionId: input.jurisdictionId, polygon: r.polygon },
      r.count,
      seed,
    );
    if (points.length !== r.count)
      throw new DomainError('VALIDATION_FAILED', 'the area holds no room for the incidents', [
        { path: 'random.polygon', message: 'empty area' },
      ]);
    return randomInjects(seed, r.windowMin, points);
  }

  private async read(id: string, by: Principal): Promise<ExerciseRecord> {
    const e = await selectExercise(this.database.db, id);
    if (!e) throw notFound('exercise', id);
    assertJurisdictionInScope(await this.scopes.scopeOf(by), e.jurisdiction_id);
    return e;
  }

  private async view(id: string): Promise<ExerciseView> {
    const db = this.database.db;
    const e = (await selectExercise(db, id)) as ExerciseRecord;
    const progress = await injectProgress(db, id);
    const rows = await exerciseIncidents(db, id);
    const names = new Map(rows.map((r) => [r.district_id, r.district_name]));
    const score = scoreExercise(
      rows.map((r) => ({
        districtId: r.district_id,
        scheme:
          findScheme(r.scheme_id) ??
          (findScheme('1-3-8') as NonNullable<ReturnType<typeof findScheme>>),
        receivedAt: new Date(r.received_at),
        createdAt: new Date(r.created_at),
        assignments: r.assignments.map((a) => ({
          unitKind: a.unitKind as UnitKind,
          assignedAt: new Date(a.assignedAt),
          ackedAt: date(a.ackedAt),
          departedAt: date(a.departedAt),
          arrivedAt: date(a.arrivedAt),
          clearedAt: date(a.clearedAt),
        })),
      })),
    );
    return {
      id: e.id,
      name: e.name,
      status: e.status as ExerciseView['status'],
      jurisdictionId: e.jurisdiction_id,
      startedAt: iso(e.started_at) as string,
      stoppedAt: iso(e.stopped_at),
      createdBy: e.created_by_name,
      planned: progress.planned,
      filed: progress.filed,
      failed: progress.errors.length,
      errors: progress.errors,
      score: score.map((s) => ({ ...s, districtName: names.get(s.districtId) ?? null })),
    };
  }
}

/** The principal an exercise's incidents are filed as: the commander who started it. */
function filedAs(by: UserPrincipal): UserPrincipal {
  return {
    kind: 'user',
    id: by.id,
    username: by.username,
    roles: by.roles,
    jurisdictionId: by.jurisdictionId,
  };
}
