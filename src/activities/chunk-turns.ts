// Turns of queued chunks, in this worker process. A document's window keeps each lane's next chunk
// queued behind the running one (runQueuedWindow), so that chunk is already on a worker when its
// slot frees. It may speak only once the chunk ahead of it has: if that chunk runs here, it waits
// for it; if it does not (another worker, a retry between attempts), it hands its turn back and the
// workflow starts it again when the chunk ahead is done. It never waits on anything not running in
// this process, so a held slot cannot wait for a slot.

/** A chunk of one run of a workflow: `${runId}:${index}`. */
export type TurnKey = string;

export function turnKey(runId: string, index: number): TurnKey {
  return `${runId}:${index}`;
}

/**
 * The chunk ahead may not have reached this process yet: its task and ours were scheduled together
 * (a lane's first two), or it is on another worker. Wait this long for it to arrive, then hand back.
 */
const ARRIVAL_GRACE_MS = 250;
/** Chunks spoken here, remembered so a queued chunk arriving after its ahead ended still goes. */
const REMEMBERED_SPOKEN = 4096;

interface Speaking {
  /** True once its engine has spoken; false if it failed or handed its own turn back. */
  outcome: Promise<boolean>;
  settle(spoken: boolean): void;
}

export class ChunkTurns {
  private readonly speaking = new Map<TurnKey, Speaking>();
  private readonly spoken = new Set<TurnKey>();
  private readonly arrivals = new Map<TurnKey, Set<() => void>>();

  /** A chunk starts here; call the returned function with whether its engine spoke (once). */
  begin(key: TurnKey): (spoken: boolean) => void {
    let settle!: (spoken: boolean) => void;
    const outcome = new Promise<boolean>((resolve) => (settle = resolve));
    const entry: Speaking = { outcome, settle };
    this.speaking.set(key, entry);
    for (const arrived of this.arrivals.get(key) ?? []) arrived();
    let ended = false;
    return (spoken) => {
      if (ended) return;
      ended = true;
      if (this.speaking.get(key) === entry) this.speaking.delete(key);
      if (spoken) this.remember(key);
      settle(spoken);
    };
  }

  /**
   * Whether the chunk behind `ahead` may speak now: true once `ahead` has spoken here; false if it
   * failed, handed back, did not arrive within the grace (a retry: is not here), or took longer than `maxWaitMs`.
   * Rejects with the signal's reason when cancelled.
   */
  async waitFor(ahead: TurnKey, signal: AbortSignal, maxWaitMs: number, { retry = false } = {}): Promise<boolean> {
    // A retry's chunk ahead was scheduled long before: if it is not here, it is not coming.
    if (!this.spoken.has(ahead) && !this.speaking.has(ahead) && !retry) await this.arrival(ahead, signal);
    if (this.spoken.has(ahead)) return true; // before, or during the grace
    const present = this.speaking.get(ahead);
    if (!present) return false;
    return raceWithin(present.outcome, signal, maxWaitMs, false);
  }

  /** Until `key` begins here, at most the grace. */
  private async arrival(key: TurnKey, signal: AbortSignal): Promise<void> {
    let arrived!: () => void;
    const here = new Promise<void>((resolve) => (arrived = resolve));
    const waiting = this.arrivals.get(key) ?? new Set();
    waiting.add(arrived);
    this.arrivals.set(key, waiting);
    try {
      await raceWithin(here, signal, ARRIVAL_GRACE_MS, undefined);
    } finally {
      waiting.delete(arrived);
      if (waiting.size === 0) this.arrivals.delete(key);
    }
  }

  private remember(key: TurnKey) {
    this.spoken.add(key);
    // A Set iterates in insertion order: the first is the oldest.
    if (this.spoken.size > REMEMBERED_SPOKEN) this.spoken.delete(this.spoken.values().next().value!);
  }
}

/** `promise`'s value, or `otherwise` after `ms`; rejects with the signal's reason when it aborts. */
function raceWithin<T, U>(promise: Promise<T>, signal: AbortSignal, ms: number, otherwise: U): Promise<T | U> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T | U>((resolve, reject) => {
    const onAbort = () => finish(() => reject(signal.reason));
    const timer = setTimeout(() => finish(() => resolve(otherwise)), ms);
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      settle();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then((value) => finish(() => resolve(value)));
  });
}
