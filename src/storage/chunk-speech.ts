// What was said in a chunk, kept beside its audio (same key, .json): its text, and its words'
// timings when the engine gives them. The stitcher times captions from it; audio refs stay small.

import type { ChunkSpeech } from '../formats/index.ts';
import type { BlobStore } from './blob-store.ts';

export function chunkSpeechKey(audioKey: string): string {
  return audioKey.replace(/\.wav$/u, '.json');
}

/**
 * Stores it unless stored already (the first write wins, as for the audio). `mayExist` says whether
 * it may be there: beside new audio it rarely is, and a put that finds it taken costs more than a
 * lookup only when it is.
 */
export async function storeChunkSpeech(blobStore: BlobStore, audioKey: string, speech: ChunkSpeech, mayExist = true): Promise<void> {
  const key = chunkSpeechKey(audioKey);
  if (mayExist && (await blobStore.find(key))) return;
  await blobStore.put(key, new TextEncoder().encode(JSON.stringify(speech)));
}

/**
 * The speech beside a chunk's audio; undefined when there is none (audio stored before speech was
 * kept, or a chunk whose text is in the plan) or it is unreadable. A store that fails (S3 throttling,
 * a network error) throws, so the stitch is retried rather than captioned without words.
 */
export async function loadChunkSpeech(blobStore: BlobStore, audioUri: string): Promise<ChunkSpeech | undefined> {
  let bytes: Buffer;
  try {
    bytes = await blobStore.get(chunkSpeechKey(audioUri));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(bytes.toString('utf8')) as ChunkSpeech;
  } catch {
    return undefined;
  }
}
