import { Inject, Injectable } from '@nestjs/common';
import type { TrainingSimulationRequest, TrainingSimulationView } from '@ringcad/contracts';
import {
  actorOf,
  appendAudit,
  APP_CONFIG,
  Clock,
  DatabaseService,
  type AppConfig,
  type Principal,
} from '../platform';
import { AfterCommit, RealtimePublisher } from '../realtime';
import {
  selectTrainingSetting,
  upsertTrainingSetting,
  type TrainingSettingRecord,
} from './training.queries';

const AUTO_DISPATCH = 'simulator.auto_dispatch';

/**
 * 训练模拟: the switches of the demo's training simulator, kept on the server so every seat and
 * the simulator see the same state. Like a CAD vendor's training mode, the simulator moves units,
 * files calls and drives terminals, but dispatches for the dispatcher only while a dispatcher or
 * commander has switched auto-dispatch on (off until then, on every fresh system).
 */
@Injectable()
export class TrainingService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
    private readonly realtime: RealtimePublisher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async simulation(): Promise<TrainingSimulationView> {
    return this.toView(await selectTrainingSetting(this.database.db, AUTO_DISPATCH));
  }

  async setSimulation(
    input: TrainingSimulationRequest,
    by: Principal,
  ): Promise<TrainingSimulationView> {
    const after = new AfterCommit();
    const view = await this.database.transaction(async (tx) => {
      const now = this.clock.now();
      const actor = actorOf(by);
      const row = await upsertTrainingSetting(tx, {
        key: AUTO_DISPATCH,
        enabled: input.autoDispatch,
        updated_at: now,
        updated_by: actor.kind === 'user' ? actor.id : null,
        updated_by_name: actor.name,
      });
      await appendAudit(tx, now, actor, 'training.simulation.set', 'training', null, {
        autoDispatch: input.autoDispatch,
      });
      const v = this.toView(row);
      // not personal data, and the same switch for every seat (and the simulator's own console)
      after.add(() =>
        this.realtime.toConsoles({ event: 'training.updated', payload: v, everyone: true }),
      );
      return v;
    });
    await after.run();
    return view;
  }

  private toView(r: TrainingSettingRecord | undefined): TrainingSimulationView {
    return {
      autoDispatch: r?.enabled ?? false,
      demo: this.config.DEMO,
      updatedAt: r ? new Date(r.updated_at).toISOString() : null,
      updatedBy: r?.updated_by_name ?? null,
    };
  }
}
