// Spaces this worker's prediction creates to the provider's rate, and holds them all back after a
// 429 for as long as the provider asked. The Temporal server's task-queue limit keeps a whole fleet
// under the rate on average but lets short bursts through; this removes them for each worker, so a
// 429 stays the rare backstop instead of a cascade (a low-credit account allows a burst of one).

import { setTimeout as sleep } from 'node:timers/promises';

export class CreatePacer {
  private nextAt = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly spacingMs: number) {}

  /** Runs `create` when its turn comes; the next one may start `spacingMs` after this one was answered. */
  async run<T>(create: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const turn = this.queue.then(async () => {
      const wait = this.nextAt - Date.now();
      if (wait > 0) await sleep(wait, undefined, signal ? { signal } : {});
      try {
        return await create();
      } finally {
        this.nextAt = Math.max(this.nextAt, Date.now() + this.spacingMs);
      }
    });
    this.queue = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /** The provider asked us to wait: nobody in this worker creates before then. */
  holdFor(ms: number): void {
    this.nextAt = Math.max(this.nextAt, Date.now() + ms);
  }
}
