import { sharedRuns } from './repeat';

/** A task whose runs are ended by hand, in order. */
function manualTask() {
  const ends: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const task = () =>
    new Promise<void>((resolve, reject) => {
      ends.push({ resolve, reject });
    });
  return { task, ends };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('shared runs', () => {
  it('runs once for a lone caller', async () => {
    const { task, ends } = manualTask();
    const run = sharedRuns(task);
    const a = run();
    await turn();
    expect(ends).toHaveLength(1);
    ends[0].resolve();
    await a;
  });

  it('gives callers arriving during a run one more run after it, shared by all of them', async () => {
    const { task, ends } = manualTask();
    const run = sharedRuns(task);
    let firstDone = false;
    const first = run().then(() => (firstDone = true));
    const late = [run(), run(), run()];
    let lateDone = 0;
    for (const p of late) void p.then(() => lateDone++);
    await turn();
    expect(ends).toHaveLength(1);
    ends[0].resolve();
    await first;
    await turn();
    // the first run ended: the late callers are not answered by it, their run has started
    expect(firstDone).toBe(true);
    expect(lateDone).toBe(0);
    expect(ends).toHaveLength(2);
    // a caller arriving during the second run gets a third
    const later = run();
    ends[1].resolve();
    await Promise.all(late);
    expect(lateDone).toBe(3);
    await turn();
    expect(ends).toHaveLength(3);
    ends[2].resolve();
    await later;
    expect(ends).toHaveLength(3);
  });

  it('runs the next one after a failed run, each caller getting its own outcome', async () => {
    const { task, ends } = manualTask();
    const run = sharedRuns(task);
    const first = run();
    const second = run();
    await turn();
    ends[0].reject(new Error('database gone'));
    await expect(first).rejects.toThrow('database gone');
    await turn();
    expect(ends).toHaveLength(2);
    ends[1].resolve();
    await expect(second).resolves.toBeUndefined();
    // and nothing is left stuck: a later caller during a run gets a fresh one
    const third = run();
    const fourth = run();
    await turn();
    ends[2].resolve();
    await third;
    await turn();
    ends[3].resolve();
    await fourth;
    expect(ends).toHaveLength(4);
  });

  it('is idle only when no run is under way or queued', async () => {
    const { task, ends } = manualTask();
    const run = sharedRuns(task);
    void run();
    void run().catch(() => undefined);
    let idle = false;
    const waiting = run.idle().then(() => (idle = true));
    await turn();
    ends[0].resolve();
    await turn();
    await turn();
    expect(idle).toBe(false);
    ends[1].reject(new Error('failed'));
    await waiting;
    expect(idle).toBe(true);
    await run.idle();
  });
});
