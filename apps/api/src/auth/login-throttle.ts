import { Injectable } from '@nestjs/common';
import { Clock, DomainError } from '@ringcad/core';

const WINDOW_MS = 5 * 60_000;
const MAX_FAILURES = 10;

/** Slows password guessing: too many failures for one username in five minutes → 429. */
@Injectable()
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  constructor(private readonly clock: Clock) {}

  check(username: string) {
    const now = this.clock.now().getTime();
    const recent = (this.failures.get(username) ?? []).filter((t) => now - t < WINDOW_MS);
    this.failures.set(username, recent);
    if (recent.length >= MAX_FAILURES) {
      throw new DomainError('RATE_LIMITED', 'too many failed logins for this account; try again in a few minutes');
    }
  }

  failed(username: string) {
    const list = this.failures.get(username) ?? [];
    list.push(this.clock.now().getTime());
    this.failures.set(username, list);
  }

  succeeded(username: string) {
    this.failures.delete(username);
  }
}
