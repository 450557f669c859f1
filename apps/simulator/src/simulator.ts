import type { UnitView } from '@ringcad/contracts';
import { ApiClient } from './api-client';
import { AutoDispatcher } from './auto-dispatcher';
import { CallStream } from './call-stream';
import { DEFAULT_CITY_SEED, demoCity, planFleet, type DemoCity } from './demo-city';
import { consoleLogger, type SimLogger } from './logger';
import { RoadMovementModel, type MovementModel } from './movement';
import { deriveRng } from './random';
import { seedDemoCity, startPosition, type DemoAccount } from './seeding';
import { emptyState, loadState, saveState, type SimState } from './state-file';
import { emptyStats, type SimStats } from './stats';
import { UnitTerminal } from './terminal';
import { realMs } from './timing';

export interface SimulatorOptions {
  apiUrl: string;
  adminPassword: string;
  /** Passwords of the demo accounts it creates (and signs in with). */
  passwords: Record<DemoAccount, string>;
  /** JSON file keeping unit ids and terminal tokens across restarts. */
  stateFile: string;
  /**
   * Seed of the demo city and of everything random in the simulation (default 110). The city is
   * `generateCity({ seed })` of `@ringcad/routing`: keep it at the api's DEMO_CITY_SEED (110) so
   * the api routes on the same streets the units drive.
   */
  seed?: number;
  /** How many times faster than real time the world runs (human delays, driving, scene time, calls). */
  speed?: number;
  /** Fleet size when seeding an empty city. */
  units?: number;
  /** Real ms between position reports of a unit (default 5 s of simulated time, at least 250 ms). */
  positionIntervalMs?: number;
  /** Average 110 calls per simulated hour; 0 = none. */
  callsPerHour?: number;
  /** Switch the console's 训练模拟: 自动派警 on at start (default off: it never acts for a human unless asked). */
  autoDispatch?: boolean;
  /** Simulated seconds an incident may stay `new` before the simulator dispatches it. */
  autoDispatchAfterSec?: number;
  /** How units move (default: along the demo city's streets, {@link RoadMovementModel}). */
  movement?: MovementModel;
  log?: SimLogger;
}

export interface SimulatorSummary extends SimStats {
  unitsSimulated: number;
  unitsOnline: number;
  /** Whether this start seeded (or finished seeding) the demo city. */
  seeded: boolean;
}

/**
 * A city that lives, through the public API only: it seeds an empty city, drives every unit's
 * terminal, phones in 110 calls and (optionally) dispatches what no human takes.
 */
export class Simulator {
  readonly city: DemoCity;
  private readonly o: Required<Omit<SimulatorOptions, 'positionIntervalMs' | 'movement'>> & {
    positionIntervalMs: number;
  };
  readonly movement: MovementModel;
  private readonly stats = emptyStats();
  private terminals: UnitTerminal[] = [];
  private dispatcher?: AutoDispatcher;
  private calls?: CallStream;
  private seeded = false;
  private running = false;

  constructor(options: SimulatorOptions) {
    const speed = options.speed ?? 1;
    if (!(speed > 0)) throw new Error('speed must be positive');
    const { movement, ...rest } = options;
    this.o = {
      seed: DEFAULT_CITY_SEED,
      units: 40,
      callsPerHour: 40,
      autoDispatch: false,
      autoDispatchAfterSec: 20,
      log: consoleLogger(),
      ...rest,
      speed,
      positionIntervalMs: options.positionIntervalMs ?? Math.max(250, realMs(5, speed)),
    };
    this.city = demoCity(this.o.seed);
    // the road graph is built once, exactly as the api builds the demo city's
    this.movement = movement ?? RoadMovementModel.fromRoads(this.city.roads);
  }

  async start(): Promise<void> {
    if (this.running) throw new Error('simulator already running');
    this.running = true;
    try {
      await this.startParts();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    const parts: Promise<void>[] = this.terminals.map((t) => t.stop());
    if (this.dispatcher) parts.push(this.dispatcher.stop());
    if (this.calls) parts.push(this.calls.stop());
    await Promise.allSettled(parts);
    this.dispatcher = undefined;
    this.calls = undefined;
  }

  summary(): SimulatorSummary {
    return {
      ...this.stats,
      unitsSimulated: this.terminals.length,
      unitsOnline: this.terminals.filter((t) => t.online).length,
      seeded: this.seeded,
    };
  }

  /** One line for the log: counts only. */
  summaryLine(): string {
    const s = this.summary();
    return (
      `units online ${s.unitsOnline}/${s.unitsSimulated}, calls created ${s.callsCreated}, ` +
      `tasks completed ${s.tasksCompleted}/${s.tasksReceived}, dispatched ${s.dispatches}, closed ${s.closes}, ` +
      `positions ${s.positionsSent} (${s.positionErrors} failed), refusals ${s.taskRefusals}`
    );
  }

  private async startParts() {
    const { apiUrl, log, seed } = this.o;
    this.terminals = [];
    const admin = await ApiClient.login(apiUrl, 'admin', this.o.adminPassword);
    await this.checkRoadNetwork(admin);
    // Seeding decides by the simulator's own marks (its accounts, places and the units of its
    // state file), never by whether the server already holds units: someone creating units
    // before or during seeding must not make it skip its own.
    const state = loadState(this.o.stateFile) ?? emptyState(seed);
    const save = (s: SimState) => saveState(this.o.stateFile, s);
    const seeded = await seedDemoCity({
      admin,
      city: this.city,
      fleet: planFleet(this.city, this.o.units),
      passwords: this.o.passwords,
      state,
      save,
      log,
    });
    this.seeded = seeded.accounts + seeded.places + seeded.units > 0;

    const onServer = new Map((await admin.get<UnitView[]>('/api/v1/units')).map((u) => [u.id, u]));
    const mine = state.units.filter((u) => onServer.has(u.id));
    if (mine.length < state.units.length)
      log.warn(
        `${state.units.length - mine.length} units of the state file are unknown to the server; skipped`,
      );
    for (const unit of mine) {
      const rng = deriveRng(seed, `unit:${unit.planned ?? unit.callsign}`);
      const known = onServer.get(unit.id)?.position;
      const start = known
        ? { lon: known.lon, lat: known.lat }
        : startPosition(this.city, unit.home);
      this.terminals.push(
        new UnitTerminal({
          apiUrl,
          unit,
          city: this.city,
          start,
          movement: this.movement,
          rng,
          speed: this.o.speed,
          positionIntervalMs: this.o.positionIntervalMs,
          log,
          stats: this.stats,
        }),
      );
    }
    for (const t of this.terminals) t.start();

    // Training simulators never dispatch for the dispatcher unless asked: the auto-dispatcher
    // follows the console's 训练模拟: 自动派警 switch (off by default); SIM_AUTODISPATCH=1 switches
    // it on at start.
    const dispatcher = await this.signIn('dispatcher', 'auto-dispatch');
    if (dispatcher) {
      if (this.o.autoDispatch) {
        const r = await dispatcher.request('PUT', '/api/v1/training/simulation', {
          autoDispatch: true,
        });
        if (r.status !== 200) log.warn(`cannot switch auto-dispatch on: HTTP ${r.status}`);
      }
      this.dispatcher = new AutoDispatcher({
        dispatcher,
        dispatchAfterMs: realMs(this.o.autoDispatchAfterSec, this.o.speed),
        closeAfterMs: realMs(30, this.o.speed),
        retryMs: realMs(30, this.o.speed),
        rng: deriveRng(seed, 'dispatcher'),
        log,
        stats: this.stats,
      });
      this.dispatcher.start();
    }
    if (this.o.callsPerHour > 0) {
      const calltaker = await this.signIn('calltaker', '110 calls');
      if (calltaker) {
        this.calls = new CallStream({
          calltaker,
          city: this.city,
          callsPerHour: this.o.callsPerHour,
          speed: this.o.speed,
          rng: deriveRng(seed, 'calls'),
          log,
          stats: this.stats,
        });
        this.calls.start();
      }
    }
    log.info(
      `simulating ${this.terminals.length} units at ${this.o.speed}× real time; ` +
        `calls ${this.calls ? this.o.callsPerHour : 0}/h, auto-dispatch ${
          !this.dispatcher
            ? 'off (no dispatcher account)'
            : this.o.autoDispatch
              ? 'on (SIM_AUTODISPATCH=1)'
              : 'off until switched on in the console (训练模拟: 自动派警)'
        }`,
    );
  }

  /**
   * A demo account the simulator cannot use (someone made it with another password) costs that
   * part of the demo, not the units' terminals.
   */
  private async signIn(account: DemoAccount, part: string): Promise<ApiClient | null> {
    try {
      return await ApiClient.login(this.o.apiUrl, account, this.o.passwords[account]);
    } catch (err) {
      this.o.log.error(
        `cannot sign in as ${account} (${(err as Error).message}): ${part} stay off`,
      );
      return null;
    }
  }

  /**
   * Warns when the api routes on other streets than the units drive: no road network (its ETAs
   * are then straight-line; start it with DEMO=1) or another one (another seed, an imported city).
   */
  private async checkRoadNetwork(admin: ApiClient) {
    if (!(this.movement instanceof RoadMovementModel)) return;
    const r = await admin.request<{ source?: string; nodes?: number; segments?: number }>(
      'GET',
      '/api/v1/road-network',
    );
    const own = this.movement.graph.stats;
    if (r.status === 404)
      this.o.log.warn(
        'the api has no road network loaded: its ETAs are straight-line while the units drive the ' +
          `demo city's streets (start the api with DEMO=1 for the same city, seed ${DEFAULT_CITY_SEED})`,
      );
    else if (r.status === 200 && (r.body.nodes !== own.nodes || r.body.segments !== own.segments))
      this.o.log.warn(
        `the api's road network (${r.body.source ?? 'unknown'}: ${r.body.nodes} nodes) is not the ` +
          `simulator's demo city (seed ${this.o.seed}: ${own.nodes} nodes): units drive streets the api does not route on`,
      );
  }
}
