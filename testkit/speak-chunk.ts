// synthesizeChunk run outside a worker (tests, benches): a chunk not queued behind another
// (no `after`) never hands its turn back, so its result is always stored audio.

import type { MockActivityEnvironment } from '@temporalio/testing';
import type { Activities, HandedBack, SynthesizeChunkInput } from '../src/activities/index.ts';
import type { ChunkRef } from '../src/contract/refs.ts';

export async function speakChunk(
  env: MockActivityEnvironment,
  activities: Pick<Activities, 'synthesizeChunk'>,
  input: SynthesizeChunkInput,
): Promise<ChunkRef> {
  const result = await env.run<[SynthesizeChunkInput], ChunkRef | HandedBack, Activities['synthesizeChunk']>(
    activities.synthesizeChunk,
    input,
  );
  if ('handedBack' in result) throw new Error(`chunk ${input.index} handed its turn back, though it was queued behind none`);
  return result;
}
