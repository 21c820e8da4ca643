// A chunk's loudness record (src/audio/levels.ts), kept in the store by its audio's sha256 beside
// what the recognizer heard: any request that maps to the same audio bytes finds it, and the stitch
// derives its key from the ChunkRef's sha256, so nothing new passes through Temporal.

import { type ChunkLevels, LEVELS_VERSION, LevelsRecordError, parseLevels, serializeLevels } from '../audio/levels.ts';
import type { BlobStore } from './blob-store.ts';

export const levelsKey = (audioSha256: string) => `levels/v${LEVELS_VERSION}/${audioSha256.slice(0, 2)}/${audioSha256}.lvl`;

/** The record of the audio with this sha256 (and size, when known); undefined when missing, torn or of other audio. */
export async function loadChunkLevels(
  blobStore: BlobStore,
  audio: { audioSha256: string; audioBytes?: number },
): Promise<ChunkLevels | undefined> {
  const uri = await blobStore.find(levelsKey(audio.audioSha256));
  if (uri === undefined) return undefined;
  try {
    return parseLevels(await blobStore.get(uri), audio);
  } catch (error) {
    if (error instanceof LevelsRecordError) return undefined; // counts as missing: measured again
    throw error;
  }
}

/**
 * Stores the record unless one is there. A record that does not parse (torn by a crash) is replaced:
 * the first write wins in the store, so it must go first.
 */
export async function storeChunkLevels(blobStore: BlobStore, levels: ChunkLevels): Promise<void> {
  const key = levelsKey(levels.audioSha256);
  const bytes = serializeLevels(levels);
  const stored = await blobStore.put(key, bytes);
  if (stored.bytes === bytes) return;
  try {
    parseLevels(stored.bytes, levels);
  } catch (error) {
    if (!(error instanceof LevelsRecordError)) throw error;
    await blobStore.remove(key);
    await blobStore.put(key, bytes);
  }
}
