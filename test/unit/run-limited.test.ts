import { describe, expect, it } from 'vitest';
import { type Ahead, runBatches, runQueuedWindow, runWindow } from '../../src/workflows/run-limited.ts';

/** Tasks that end only when told, recording what started and ended, in order. */
function controlledTasks() {
  const events: string[] = [];
  const finishers = new Map<number, { resolve: (value: number) => void; reject: (error: Error) => void }>();
  let inFlight = 0;
  let mostInFlight = 0;
  const task = (index: number) =>
    new Promise<number>((resolve, reject) => {
      events.push(`start ${index}`);
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      finishers.set(index, {
        resolve: (value) => {
          inFlight--;
          events.push(`end ${index}`);
          resolve(value);
        },
        reject: (error) => {
          inFlight--;
          events.push(`fail ${index}`);
          reject(error);
        },
      });
    });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { events, finishers, task, settle, mostInFlight: () => mostInFlight };
}

describe('runWindow', () => {
  it('keeps `limit` tasks in flight, never more, and gives results in index order', async () => {
    const { events, finishers, task, settle, mostInFlight } = controlledTasks();
    const results = runWindow(5, 3, task);
    await settle();
    expect(events).toEqual(['start 0', 'start 1', 'start 2']);
    finishers.get(1)!.resolve(10);
    await settle();
    expect(events.at(-1)).toBe('start 3'); // the freed slot is filled at once
    for (const index of [0, 2, 3]) finishers.get(index)!.resolve(index * 10);
    await settle();
    finishers.get(4)!.resolve(40);
    expect(await results).toEqual([0, 10, 20, 30, 40]);
    expect(mostInFlight()).toBe(3);
  });

  it('stops starting tasks after a failure and rethrows it without waiting for the tasks in flight', async () => {
    const { events, finishers, task, settle } = controlledTasks();
    const results = runWindow(5, 2, task);
    await settle();
    finishers.get(1)!.reject(new Error('bad chunk'));
    await expect(results).rejects.toThrow('bad chunk');
    await settle();
    expect(events).toEqual(['start 0', 'start 1', 'fail 1']); // task 0 still in flight, nothing new started
  });
});

describe('runQueuedWindow', () => {
  it("starts every lane's first task, then one queued behind each, told which task it is behind", async () => {
    const { events, finishers, task, settle } = controlledTasks();
    const behind = new Map<number, number>();
    const results = runQueuedWindow(7, 2, (index, ahead?: Ahead) => {
      if (ahead) behind.set(index, ahead.index);
      return task(index);
    });
    await settle();
    expect(events).toEqual(['start 0', 'start 1', 'start 2', 'start 3']);
    expect([...behind]).toEqual([
      [2, 0],
      [3, 1],
    ]);
    finishers.get(1)!.resolve(1);
    await settle();
    expect(events.slice(-2)).toEqual(['end 1', 'start 4']); // queued behind 3, which is the lane's running one now
    expect(behind.get(4)).toBe(3);
    for (const index of [0, 2, 3, 4]) {
      finishers.get(index)!.resolve(index);
      await settle();
    }
    // Each lane holds its running task and one queued: never more than two per lane.
    const started = events.filter((e) => e.startsWith('start')).length;
    const ended = events.filter((e) => e.startsWith('end')).length;
    expect(started - ended).toBeLessThanOrEqual(4);
    finishers.get(5)!.resolve(5);
    finishers.get(6)!.resolve(6);
    expect(await results).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('a queued task can wait for the task ahead: results still come in index order', async () => {
    const order: number[] = [];
    const results = await runQueuedWindow(6, 2, async (index, ahead?: Ahead) => {
      await ahead?.done;
      order.push(index);
      return index * 10;
    });
    expect(results).toEqual([0, 10, 20, 30, 40, 50]);
    // Each lane's tasks ran in its own order.
    expect(order.filter((i) => i % 2 === 0)).toEqual([0, 2, 4]);
    expect(order.filter((i) => i % 2 === 1)).toEqual([1, 3, 5]);
  });

  it('rethrows the first failure at once and queues nothing more', async () => {
    const { events, finishers, task, settle } = controlledTasks();
    const results = runQueuedWindow(8, 2, (index) => task(index));
    await settle();
    finishers.get(0)!.reject(new Error('bad chunk'));
    await expect(results).rejects.toThrow('bad chunk');
    await settle();
    finishers.get(2)!.resolve(2);
    await settle();
    expect(events).toEqual(['start 0', 'start 1', 'start 2', 'start 3', 'fail 0', 'end 2']);
  });
});

describe('runBatches', () => {
  it('waits for a whole batch (its slowest task) before starting the next', async () => {
    const { events, finishers, task, settle } = controlledTasks();
    const results = runBatches(3, 2, task);
    await settle();
    finishers.get(1)!.resolve(1);
    await settle();
    expect(events).toEqual(['start 0', 'start 1', 'end 1']);
    finishers.get(0)!.resolve(0);
    await settle();
    expect(events.at(-1)).toBe('start 2');
    finishers.get(2)!.resolve(2);
    expect(await results).toEqual([0, 1, 2]);
  });
});
