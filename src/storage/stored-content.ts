// Content-addressed blobs beyond chunk audio: a document's stored text, its chunk plan, a part's
// list of chunk refs. Workflows carry only the reference ({ uri, sha256 }), and whoever reads one
// checks the hash, so a reference always means the same bytes.

import type { ContentRef } from '../contract/refs.ts';
import { type BlobStore, sha256Hex } from './blob-store.ts';

export class ContentChangedError extends Error {
  override name = 'ContentChanged';
}

/** Stores `bytes` under `<folder>/<hash>.<extension>`; the same bytes always get the same reference. */
export async function storeContent(blobStore: BlobStore, folder: string, extension: string, bytes: Uint8Array): Promise<ContentRef> {
  const sha256 = sha256Hex(bytes);
  const { uri } = await blobStore.put(`${folder}/${sha256.slice(0, 2)}/${sha256}.${extension}`, bytes);
  return { uri, sha256 };
}

/**
 * The bytes `ref` names; ContentChangedError (naming `what`, by default the uri) if they are not the
 * ones stored. `into`: a spare buffer the store may read them into (it is the store's then).
 */
export async function loadContent(blobStore: BlobStore, ref: ContentRef, what = ref.uri, into?: ArrayBuffer): Promise<Buffer> {
  const { bytes, sha256 } = await blobStore.getHashed(ref.uri, into);
  if (sha256 !== ref.sha256) throw new ContentChangedError(`${what} changed since it was stored: its sha256 does not match`);
  return bytes;
}

export function storeJson(blobStore: BlobStore, folder: string, value: unknown): Promise<ContentRef> {
  return storeContent(blobStore, folder, 'json', new TextEncoder().encode(JSON.stringify(value)));
}

export async function loadJson<T>(blobStore: BlobStore, ref: ContentRef): Promise<T> {
  return JSON.parse((await loadContent(blobStore, ref)).toString('utf8')) as T;
}
