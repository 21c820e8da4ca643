// A document's text kept in the chunk store (books): the client stores it once, the workflow input
// carries only `textRef`, and the activity that chunks it reads it back.

import type { TextRef } from '../document/input.ts';
import type { BlobStore } from './blob-store.ts';
import { loadContent, storeContent } from './stored-content.ts';

export async function storeText(blobStore: BlobStore, text: string): Promise<TextRef> {
  const ref = await storeContent(blobStore, 'texts', 'txt', new TextEncoder().encode(text));
  return { ...ref, characters: text.length };
}

/** The text, checked against its reference's hash and length. */
export async function loadText(blobStore: BlobStore, ref: TextRef): Promise<string> {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(await loadContent(blobStore, ref));
  if (text.length !== ref.characters) throw new Error(`${ref.uri} holds ${text.length} characters, its reference says ${ref.characters}`);
  return text;
}
