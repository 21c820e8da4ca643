// The loudness record measured on a worker thread is the record measured here, and the thread runs
// (under vitest as under `node --import tsx`).

import { expect, it } from 'vitest';
import { computeLevels } from '../../src/audio/levels.ts';
import { levelsThreadState, measureLevelsOffThread } from '../../src/audio/levels-off-thread.ts';
import { simulatedAudio } from '../../src/engines/simulated.ts';

it('gives the same record as computeLevels, from its thread', async () => {
  const audio = simulatedAudio('A chunk measured on another thread, and the same chunk measured here.', 24_000);
  const stored = { audioSha256: 'ab'.repeat(32), audioBytes: 44 + audio.samples.length * 2 };
  // Three at once: two threads share them (a window's last chunks finish together).
  const records = await Promise.all([1, 2, 3].map(() => measureLevelsOffThread(audio, stored)));
  expect(levelsThreadState()).toBe('running');
  const here = computeLevels(audio, stored);
  for (const record of records) expect(record).toEqual(here);
});
