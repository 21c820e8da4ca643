// A queued chunk's turn (src/activities/chunk-turns.ts): it speaks once the chunk ahead has spoken
// in this process, and hands its turn back when that chunk failed or is not here.

import { describe, expect, it } from 'vitest';
import { ChunkTurns, turnKey } from '../../src/activities/chunk-turns.ts';

const MINUTE = 60_000;
const ahead = turnKey('run', 0);
const live = () => new AbortController().signal;

describe('ChunkTurns', () => {
  it('lets the chunk behind go once the chunk ahead has spoken here', async () => {
    const turns = new ChunkTurns();
    const spoke = turns.begin(ahead);
    let answer: boolean | undefined;
    const waiting = turns.waitFor(ahead, live(), MINUTE).then((go) => (answer = go));
    await new Promise((resolve) => setImmediate(resolve));
    expect(answer).toBeUndefined(); // still speaking
    spoke(true);
    await waiting;
    expect(answer).toBe(true);
  });

  it('hands the turn back when the chunk ahead fails or hands back its own', async () => {
    const turns = new ChunkTurns();
    const ended = turns.begin(ahead);
    const waiting = turns.waitFor(ahead, live(), MINUTE);
    ended(false);
    ended(true); // only the first outcome counts
    expect(await waiting).toBe(false);
    expect(await turns.waitFor(ahead, live(), MINUTE)).toBe(false); // not remembered as spoken
  });

  it('remembers a chunk spoken before the one behind arrived', async () => {
    const turns = new ChunkTurns();
    turns.begin(ahead)(true);
    expect(await turns.waitFor(ahead, live(), MINUTE)).toBe(true);
  });

  it('waits for a chunk ahead that arrives just after it (scheduled together), not for one that never comes', async () => {
    const turns = new ChunkTurns();
    const waiting = turns.waitFor(ahead, live(), MINUTE);
    const spoke = turns.begin(ahead); // arrives within the grace
    spoke(true);
    expect(await waiting).toBe(true);
    expect(await turns.waitFor(turnKey('run', 7), live(), MINUTE)).toBe(false); // another worker's: handed back
    expect(await turns.waitFor(turnKey('other run', 0), live(), MINUTE)).toBe(false); // runs are apart
    // A retry does not wait for a chunk ahead that is not here: it was scheduled long before.
    const late = turns.waitFor(turnKey('run', 8), live(), MINUTE, { retry: true });
    turns.begin(turnKey('run', 8));
    expect(await late).toBe(false);
  });

  it('stops waiting when the chunk is cancelled, or after its longest wait', async () => {
    const turns = new ChunkTurns();
    turns.begin(ahead);
    const cancel = new AbortController();
    const waiting = turns.waitFor(ahead, cancel.signal, MINUTE);
    cancel.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    expect(await turns.waitFor(ahead, live(), 10)).toBe(false);
  });
});
