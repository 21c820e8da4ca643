// Reading a finished output, wherever it is (a file path or file: URL, or s3://): for the client's
// result and the API's audio.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { parseS3Url, s3Client } from './open-blob-store.ts';
import { statusOf } from './s3-blob-store.ts';

/** Its size in bytes, or undefined when nothing is there; a store that cannot answer throws. */
export async function outputSize(location: string, env = process.env): Promise<number | undefined> {
  if (location.startsWith('s3://')) {
    const { bucket, prefix: key } = parseS3Url(location);
    try {
      return (await s3Client(env).send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw new Error(`cannot reach ${location}: ${(error as Error).message || (error as Error).name}`);
    }
  }
  try {
    return (await stat(localPath(location))).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Its bytes from `start` to `end` (inclusive), or all of them. */
export async function readOutput(location: string, range?: { start: number; end: number }, env = process.env): Promise<Readable> {
  if (location.startsWith('s3://')) {
    const { bucket, prefix: key } = parseS3Url(location);
    const response = await s3Client(env).send(
      new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
    );
    return response.Body as Readable;
  }
  return createReadStream(localPath(location), range ?? {});
}

/**
 * Copies it to a local file, whole or not at all (written beside it, then renamed), and only if it
 * is the document's (its sha256): another run may since have written an output of the same name.
 */
export async function saveOutput(location: string, path: string, expected: { sha256: string }, env = process.env): Promise<void> {
  const temporary = `${path}.${process.pid}.part`;
  try {
    const hash = createHash('sha256');
    const source = await readOutput(location, undefined, env);
    source.on('data', (chunk: Buffer) => hash.update(chunk));
    await pipeline(source, createWriteStream(temporary));
    const sha256 = hash.digest('hex');
    if (sha256 !== expected.sha256)
      throw new Error(
        `${location} is not this document's output any more (sha256 ${sha256}, not ${expected.sha256}): ` +
          'another run wrote that name since; start the document again',
      );
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

function localPath(location: string): string {
  return location.startsWith('file:') ? fileURLToPath(location) : location;
}
