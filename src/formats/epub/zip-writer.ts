// The book's zip, written as it goes (fflate's streaming Zip): the mimetype first and stored, as the
// EPUB container requires; text deflated; audio stored as it is (MP3 does not shrink), read from disk
// a block at a time, so a long book never sits in memory whole.

import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { strToU8, Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import type { WrittenFile } from '../audio-file.ts';

export type ZipEntry =
  | { name: string; text: string }
  | { name: string; bytes: Uint8Array; store?: boolean }
  | { name: string; file: string };

/** Writes `entries` in order as a zip at `path` (beside it first, then renamed: never half a file under that name). */
export async function writeZip(path: string, entries: ZipEntry[]): Promise<WrittenFile> {
  const temporary = `${path}.${randomUUID()}.tmp`;
  const out = createWriteStream(temporary);
  const hash = createHash('sha256');
  let bytes = 0;
  let failure: Error | undefined;
  const zip = new Zip((error, chunk) => {
    if (error) {
      failure = error;
      return;
    }
    hash.update(chunk);
    bytes += chunk.length;
    out.write(chunk);
  });
  // fflate calls back synchronously: wait for the file to drain between blocks.
  const drained = async () => {
    if (failure) throw failure;
    if (out.writableNeedDrain) await once(out, 'drain');
  };
  try {
    for (const entry of entries) {
      if ('file' in entry) {
        const stored = new ZipPassThrough(entry.name);
        zip.add(stored);
        for await (const block of createReadStream(entry.file)) {
          stored.push(block as Buffer);
          await drained();
        }
        stored.push(new Uint8Array(0), true);
      } else {
        const data = 'text' in entry ? strToU8(entry.text) : entry.bytes;
        const member = 'bytes' in entry && entry.store ? new ZipPassThrough(entry.name) : new ZipDeflate(entry.name, { level: 9 });
        zip.add(member);
        member.push(data, true);
      }
      await drained();
    }
    zip.end();
    await drained();
    out.end();
    await once(out, 'finish');
    await rename(temporary, path);
  } catch (error) {
    out.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
  return { path, bytes, sha256: hash.digest('hex') };
}
