import { Clock } from '@ringcad/core';

/**
 * The clock tests inject into the api and the worker (the same object, in-process): it runs with
 * real time at `rate` (1 = real speed, 0.001 = nearly held) and jumps forward on `advance`, so a
 * test reaches a 10-minute deadline without waiting ten minutes or scaling the product's timers.
 */
export class TestClock extends Clock {
  private readonly realStart = Date.now();
  private offsetMs = 0;

  constructor(private readonly rate = 1) {
    super();
  }

  now(): Date {
    return new Date(this.realStart + (Date.now() - this.realStart) * this.rate + this.offsetMs);
  }

  /** Moves time forward by `ms` for everything that reads this clock. */
  advance(ms: number): void {
    if (ms < 0) throw new Error('time only moves forward');
    this.offsetMs += ms;
  }
}
