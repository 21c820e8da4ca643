// Where chunk audio lives between synthesis and stitching. Temporal payloads carry only the uri.

import { randomUUID } from 'node:crypto';
import { type FileHandle, link, mkdir, open, readFile, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readFileSha256 } from '../system/sha256-off-thread.ts';

export interface StoredBlob {
  uri: string;
  /** What the store holds under the key: the bytes given, or the ones stored first. */
  bytes: Uint8Array;
}

export interface HashedBlob {
  bytes: Buffer;
  sha256: string;
}

export interface PutOptions {
  /**
   * Data made again when missing or torn (a loudness record): a crash of the machine may lose it,
   * so a local store need not wait for the disk. Audio and plans are never derived.
   */
  derived?: boolean;
}

export interface BlobStore {
  /**
   * Stores `bytes` under `key` unless the key is taken: the first write wins, so every reference to
   * a key describes the same bytes (an engine need not say the same thing twice). Readers never see
   * half a blob.
   */
  put(key: string, bytes: Uint8Array, options?: PutOptions): Promise<StoredBlob>;
  /** The uri of `key` if it is stored. */
  find(key: string): Promise<string | undefined>;
  get(uri: string): Promise<Buffer>;
  /**
   * The bytes and their sha256 (for checking them against a reference), each store the fastest way
   * it can; read into `into` where the store can (it is the store's then: detached or kept).
   */
  getHashed(uri: string, into?: ArrayBuffer): Promise<HashedBlob>;
  remove(key: string): Promise<void>;
  /** True if `path` lies inside the store (nothing else may write there). */
  owns(path: string): boolean;
}

/**
 * A directory on a local or shared disk. Every worker of a fleet must see it at the same absolute
 * path: chunk uris are absolute file: URLs.
 */
export class LocalBlobStore implements BlobStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(key: string, bytes: Uint8Array, { derived = false }: PutOptions = {}): Promise<StoredBlob> {
    const path = this.pathOf(key);
    const temporary = `${path}.${randomUUID()}.tmp`;
    const file = await createFile(temporary);
    try {
      try {
        await file.writeFile(bytes);
        if (!derived) await file.sync(); // a crash must not leave a truncated blob that every retry would find
      } finally {
        await file.close();
      }
      await link(temporary, path); // fails if the key is taken: first write wins, atomically
      return { uri: pathToFileURL(path).href, bytes };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return { uri: pathToFileURL(path).href, bytes: await readFile(path) };
    } finally {
      // Whatever happened, the temporary name goes (a full disk must not fill up with retries' halves).
      await unlink(temporary).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
  }

  async find(key: string): Promise<string | undefined> {
    const path = this.pathOf(key);
    try {
      await stat(path);
      return pathToFileURL(path).href;
    } catch {
      return undefined;
    }
  }

  async get(uri: string): Promise<Buffer> {
    return readFile(this.pathOfUri(uri));
  }

  /** Read and hashed on the hashing thread: the caller's thread only receives the bytes. */
  getHashed(uri: string, into?: ArrayBuffer): Promise<HashedBlob> {
    return readFileSha256(this.pathOfUri(uri), into);
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  owns(path: string): boolean {
    const absolute = resolve(path);
    return absolute === this.root || absolute.startsWith(this.root + sep);
  }

  private pathOfUri(uri: string): string {
    const path = fileURLToPath(uri);
    if (!this.owns(path)) throw new BlobOutsideStoreError(`${uri} is not in this worker's chunk store, ${this.root}`);
    return path;
  }

  private pathOf(key: string): string {
    return join(this.root, checkBlobKey(key));
  }
}

/** A new file, and its folder when that is missing (the first blob under a prefix): no mkdir per put. */
async function createFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dirname(path), { recursive: true });
    return open(path, 'wx');
  }
}

/** Keys are ours (`chunks/ab/<hash>.wav`): folders of word characters and a file name, never `..`. */
export function checkBlobKey(key: string): string {
  if (!/^[\w-]+(\/[\w-]+)*\.\w+$/u.test(key)) throw new Error(`invalid blob key "${key}"`);
  return key;
}

/** A uri another store made: a client or worker that does not share this one's directory. */
export class BlobOutsideStoreError extends Error {
  override name = 'BlobOutsideStore';
}

export { sha256Hex } from '../system/sha256-off-thread.ts';
