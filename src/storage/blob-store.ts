// Where chunk audio lives between synthesis and stitching. Temporal payloads carry only the uri.

import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BlobStore {
  /** Stores `bytes` under `key` (atomically: readers never see half a blob) and returns its uri. */
  put(key: string, bytes: Uint8Array): Promise<string>;
  /** The uri of `key` if it is stored. */
  find(key: string): Promise<string | undefined>;
  get(uri: string): Promise<Buffer>;
}

/** A directory on a local (or shared network) disk; every worker of a fleet must see the same one. */
export class LocalBlobStore implements BlobStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(key: string, bytes: Uint8Array): Promise<string> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomUUID()}.tmp`;
    await writeFile(temporary, bytes);
    await rename(temporary, path);
    return pathToFileURL(path).href;
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
    const path = fileURLToPath(uri);
    if (!path.startsWith(this.root + sep)) throw new Error(`blob ${uri} is outside the store ${this.root}`);
    return readFile(path);
  }

  private pathOf(key: string): string {
    if (!/^[\w-]+(\/[\w-]+)*\.\w+$/u.test(key)) throw new Error(`invalid blob key "${key}"`);
    return join(this.root, key);
  }
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
