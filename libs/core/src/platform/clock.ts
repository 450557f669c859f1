/** The clock is a dependency so tests can fake it; nothing else in the core reads Date.now(). */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
