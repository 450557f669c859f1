import { takingTurns } from './track-chunk-sweeps';

/**
 * The track-chunk stores' rounds take turns in a process: the replay build and the patrol read of
 * a closed chunk never run side by side (each held a database backend for 20-25 s at the peak),
 * and a round that fails does not stop the next one's turn.
 */
describe('track chunk sweeps take turns', () => {
  it('runs one round at a time across stores, in the order they asked, failures included', async () => {
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const round = (name: string, fail = false) =>
      takingTurns(async () => {
        running++;
        most = Math.max(most, running);
        order.push(`${name}+`);
        await new Promise((r) => setTimeout(r, 20));
        order.push(`${name}-`);
        running--;
        if (fail) throw new Error(`${name} failed`);
        return name;
      });
    const replay = round('replay');
    const patrol = round('patrol', true);
    const again = round('again');
    const results = await Promise.allSettled([replay(), patrol(), again(), replay()]);
    expect(most).toBe(1);
    expect(order).toEqual([
      'replay+',
      'replay-',
      'patrol+',
      'patrol-',
      'again+',
      'again-',
      'replay+',
      'replay-',
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
  });
});
