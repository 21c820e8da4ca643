// The worker thread behind measureLevelsOffThread (levels-off-thread.ts): it measures chunks for
// their loudness records, so that the thread serving Temporal is not held by them.

import { parentPort } from 'node:worker_threads';
import { computeLevels } from './levels.ts';

export interface LevelsRequest {
  id: number;
  audio: { sampleRate: number; channels: number; samples: Int16Array };
  stored: { audioSha256: string; audioBytes: number };
}

parentPort?.on('message', ({ id, audio, stored }: LevelsRequest) => {
  try {
    const levels = computeLevels(audio, stored);
    parentPort!.postMessage({ id, levels }, [levels.k10.buffer as ArrayBuffer, levels.sp100.buffer as ArrayBuffer]);
  } catch (error) {
    parentPort!.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
