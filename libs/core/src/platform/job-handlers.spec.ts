import {
  AGENCIES_QUEUE,
  INDEX_SAMPLES_QUEUE,
  POSITIONS_QUEUE,
  TIMERS_QUEUE,
  type JobQueue,
} from '@ringcad/contracts';
import { JOB_QUEUES, JobHandlerRegistry, JobPayloadError, runJob } from './job-handlers';

const noop = async () => {};

describe('job handler registry', () => {
  it('knows every queue of the contract', () => {
    expect([...JOB_QUEUES].sort()).toEqual(
      [AGENCIES_QUEUE, INDEX_SAMPLES_QUEUE, POSITIONS_QUEUE, TIMERS_QUEUE].sort(),
    );
  });

  it('refuses to complete while a queue has no handler, naming it', () => {
    const registry = new JobHandlerRegistry();
    registry.register(TIMERS_QUEUE, { handler: noop, concurrency: 4 });
    registry.register(POSITIONS_QUEUE, { handler: noop, concurrency: 2 });
    expect(() => registry.complete()).toThrow(/no handler for queue "agencies", "index-samples"/);
    expect(() => new JobHandlerRegistry().complete()).toThrow(
      /"timers", "positions", "agencies", "index-samples"/,
    );
  });

  it('refuses a second handler for a queue', () => {
    const registry = new JobHandlerRegistry();
    registry.register(TIMERS_QUEUE, { handler: noop, concurrency: 4 });
    expect(() => registry.register(TIMERS_QUEUE, { handler: noop, concurrency: 4 })).toThrow(
      /queue "timers" has two handlers/,
    );
  });

  it('refuses a queue the contract does not name', () => {
    expect(() =>
      new JobHandlerRegistry().register('reports' as JobQueue, { handler: noop, concurrency: 1 }),
    ).toThrow(/not in the contract/);
  });

  it('gives the complete map once every queue is handled', () => {
    const registry = new JobHandlerRegistry();
    const timers = async () => {};
    registry.register(TIMERS_QUEUE, { handler: timers, concurrency: 4 });
    registry.register(POSITIONS_QUEUE, { handler: noop, concurrency: 2 });
    registry.register(AGENCIES_QUEUE, { handler: noop, concurrency: 4 });
    registry.register(INDEX_SAMPLES_QUEUE, { handler: noop, concurrency: 1 });
    const map = registry.complete();
    expect(map[TIMERS_QUEUE].handler).toBe(timers);
    expect(map[POSITIONS_QUEUE].concurrency).toBe(2);
  });
});

describe('runJob', () => {
  it('hands the handler the payload parsed with its queue schema', async () => {
    const seen: unknown[] = [];
    await runJob(TIMERS_QUEUE, async (p) => void seen.push(p), {
      timerId: 'ack-1',
      extra: 'dropped',
    });
    expect(seen).toEqual([{ timerId: 'ack-1' }]);
  });

  it('refuses a payload the schema does not take, without running the handler', async () => {
    const handler = jest.fn(noop);
    await expect(runJob(AGENCIES_QUEUE, handler, { notificationId: 'not-a-uuid' })).rejects.toThrow(
      JobPayloadError,
    );
    await expect(runJob(TIMERS_QUEUE, handler, { timer: 'ack-1' })).rejects.toThrow(
      /queue "timers".*timerId/,
    );
    expect(handler).not.toHaveBeenCalled();
  });
});
