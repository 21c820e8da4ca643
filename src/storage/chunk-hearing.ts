// What the recognizer heard in a chunk's audio, kept in the store by the audio's sha256 (and the
// recognizer's model): a document spoken again from stored chunks is not heard twice.

import type { BlobStore } from './blob-store.ts';

const hearingKey = (model: string, audioSha256: string) => `heard/${model}/${audioSha256.slice(0, 2)}/${audioSha256}.txt`;

export async function loadHearing(blobStore: BlobStore, model: string, audioSha256: string): Promise<string | undefined> {
  const uri = await blobStore.find(hearingKey(model, audioSha256));
  return uri === undefined ? undefined : (await blobStore.get(uri)).toString('utf8');
}

export async function storeHearing(blobStore: BlobStore, model: string, audioSha256: string, heard: string): Promise<void> {
  await blobStore.put(hearingKey(model, audioSha256), new TextEncoder().encode(heard));
}
