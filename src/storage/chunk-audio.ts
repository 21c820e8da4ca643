// A chunk's audio read back from the store, checked against the sha256 its ref carries (as any
// stored content is): the stitcher and the live stream both refuse audio that changed since it was made.

import { decodeWav } from '../audio/wav.ts';
import type { PcmAudio } from '../contract/audio.ts';
import type { BlobStore } from './blob-store.ts';
import { loadContent } from './stored-content.ts';

/** `into`: a spare buffer the audio may be read into (the store's once given). */
export async function loadChunkAudio(
  blobStore: BlobStore,
  chunk: { index: number; uri: string; sha256: string },
  into?: ArrayBuffer,
): Promise<PcmAudio> {
  return decodeWav(await loadContent(blobStore, chunk, `chunk ${chunk.index} (${chunk.uri})`, into));
}
