// A chunk's audio read back from the store, checked against the sha256 its ref carries: the
// stitcher and the live stream both refuse audio that changed since it was made.

import { decodeWav } from '../audio/wav.ts';
import type { PcmAudio } from '../engines/engine.ts';
import { sha256Hex, type BlobStore } from './blob-store.ts';

export class ChunkCorruptedError extends Error {
  override name = 'ChunkCorrupted';
}

export async function loadChunkAudio(blobStore: BlobStore, chunk: { index: number; uri: string; sha256: string }): Promise<PcmAudio> {
  const bytes = await blobStore.get(chunk.uri);
  if (sha256Hex(bytes) !== chunk.sha256) {
    throw new ChunkCorruptedError(`chunk ${chunk.index} (${chunk.uri}) changed since it was made: its sha256 does not match`);
  }
  return decodeWav(bytes);
}
