import { describe, expect, it } from 'vitest';
import { runBatches, runWindow } from '../../src/workflows/run-limited.ts';

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
