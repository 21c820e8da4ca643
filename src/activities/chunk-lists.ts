// A part's chunk refs, stored as one list: the part returns its reference, so the parent's history
// holds one small reference per part, not one ref per chunk of the book.

import type { ChunkRef, ContentRef } from '../contract/refs.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { loadJson, storeJson } from '../storage/stored-content.ts';

export function createChunkListActivities({ blobStore }: { blobStore: BlobStore }) {
  return {
    async storeChunkList({ refs }: { refs: ChunkRef[] }): Promise<ContentRef> {
      return storeJson(blobStore, 'lists', refs);
    },
  };
}

/** Every chunk of the lists, in order. */
export async function loadChunkLists(blobStore: BlobStore, lists: ContentRef[]): Promise<ChunkRef[]> {
  return (await Promise.all(lists.map((list) => loadJson<ChunkRef[]>(blobStore, list)))).flat();
}
