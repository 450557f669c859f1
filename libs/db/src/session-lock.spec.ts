import { SessionLock, asBulk } from './session-lock';

describe('SessionLock', () => {
  it('runs holders one at a time in the order they asked', async () => {
    const lock = new SessionLock();
    const log: string[] = [];
    let active = 0;
    let maxActive = 0;
    await Promise.all(
      [30, 0, 10, 0, 5].map((ms, i) =>
        lock.run(async () => {
          active++;
          maxActive = Math.max(maxActive, active);
          log.push(`start ${i}`);
          await new Promise((r) => setTimeout(r, ms));
          log.push(`end ${i}`);
          active--;
        }),
      ),
    );
    expect(maxActive).toBe(1);
    expect(log).toEqual([
      'start 0',
      'end 0',
      'start 1',
      'end 1',
      'start 2',
      'end 2',
      'start 3',
      'end 3',
      'start 4',
      'end 4',
    ]);
  });

  it('releases when the holder throws, and passes the error and the result through', async () => {
    const lock = new SessionLock();
    await expect(lock.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run(async () => 7)).resolves.toBe(7);
  });

  it('a waiter gets the lock only after the holder releases it by hand', async () => {
    const lock = new SessionLock();
    const release = await lock.acquire();
    let got = false;
    const waiting = lock.acquire().then((r) => {
      got = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toBe(false);
    release();
    (await waiting)();
    expect(got).toBe(true);
  });

  it('lets queued interactive callers in before queued bulk ones, FIFO within each', async () => {
    const lock = new SessionLock();
    const release = await lock.acquire();
    const order: string[] = [];
    const take = (name: string) =>
      lock.run(async () => {
        order.push(name);
      });
    const all = [
      asBulk(() => take('bulk 1')),
      take('call 1'),
      asBulk(() => take('bulk 2')),
      take('call 2'),
    ];
    release();
    await Promise.all(all);
    expect(order).toEqual(['call 1', 'call 2', 'bulk 1', 'bulk 2']);
  });

  it('never starves bulk work: one bulk waiter goes in after 8 interactive grants', async () => {
    const lock = new SessionLock();
    const release = await lock.acquire();
    const order: string[] = [];
    const all = [asBulk(() => lock.run(async () => void order.push('bulk')))];
    for (let i = 0; i < 12; i++) all.push(lock.run(async () => void order.push(`call ${i}`)));
    release();
    await Promise.all(all);
    expect(order.indexOf('bulk')).toBe(8);
    expect(order).toHaveLength(13);
  });

  it('a priority set by asBulk follows the work through awaits', async () => {
    const lock = new SessionLock();
    const release = await lock.acquire();
    const order: string[] = [];
    const bulk = asBulk(async () => {
      await new Promise((r) => setTimeout(r, 1));
      await lock.run(async () => void order.push('bulk'));
    });
    await new Promise((r) => setTimeout(r, 5));
    const call = lock.run(async () => void order.push('call'));
    release();
    await Promise.all([bulk, call]);
    expect(order).toEqual(['call', 'bulk']);
  });
});
