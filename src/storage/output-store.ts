// Where finished documents go: the worker's output directory (file:), or an S3 bucket that any app
// can read (s3://bucket/prefix). The stitch writes its files in a local folder either way (an
// encoder needs a file it can seek in); for S3 they are then uploaded in parts, from disk, and
// appear under their key only when the upload completes.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import {
  AbortMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Artifact } from '../contract/result.ts';
import { parseS3Url, s3Client } from './open-blob-store.ts';
import { statusOf } from './s3-blob-store.ts';

/** 8 MB parts, 2 at a time: memory stays bounded whatever the file's size. */
const PART_BYTES = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

export interface OutputStore {
  /** Where the stitch writes a document's files: their final place, or a private folder to upload from. */
  prepare(): Promise<string>;
  /**
   * Makes the files written under `root` visible where the store keeps them; the artifacts then say
   * where. `beat` is called as the upload goes (an activity heartbeats), `signal` stops it.
   */
  publish(root: string, artifacts: Artifact[], progress: { beat: () => void; signal: AbortSignal }): Promise<Artifact[]>;
  /** Cleans up what prepare made (after publishing, or after a failure). */
  release(root: string): Promise<void>;
}

/** The output directory itself: the files are written where they stay. */
export class LocalOutputStore implements OutputStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  async prepare(): Promise<string> {
    return this.dir;
  }

  async publish(_root: string, artifacts: Artifact[]): Promise<Artifact[]> {
    return artifacts;
  }

  async release(): Promise<void> {}
}

/** `s3://bucket/prefix`: each file uploaded to `prefix/<its name>`, from a folder of `stagingDir`. */
export class S3OutputStore implements OutputStore {
  readonly base: string;

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    readonly prefix: string,
    private readonly stagingDir: string,
  ) {
    this.base = `s3://${bucket}/${prefix ? `${prefix}/` : ''}`;
  }

  async prepare(): Promise<string> {
    await mkdir(this.stagingDir, { recursive: true });
    return mkdtemp(join(resolve(this.stagingDir), `${STAGING}${hostname()}-${pidNamespace()}-${process.pid}-`));
  }

  /** One file after the other, the document's main file last: it never names files that are not there yet. */
  async publish(_root: string, artifacts: Artifact[], { beat, signal }: { beat: () => void; signal: AbortSignal }): Promise<Artifact[]> {
    const published = new Map<Artifact, Artifact>();
    for (const artifact of [...artifacts.slice(1), artifacts[0]!]) {
      const key = `${this.prefix ? `${this.prefix}/` : ''}${artifact.name}`;
      // On a failure or a cancellation lib-storage aborts the multipart upload: no part of it stays.
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key: key, Body: createReadStream(artifact.path), ContentType: artifact.mediaType },
        partSize: PART_BYTES,
        queueSize: PARTS_IN_FLIGHT,
        abortController: abortControllerOf(signal),
      });
      upload.on('httpUploadProgress', beat);
      beat();
      try {
        await upload.done();
      } catch (error) {
        await this.abandon(key, upload);
        throw error;
      }
      const uri = `${this.base}${artifact.name}`;
      published.set(artifact, { ...artifact, path: uri, uri });
    }
    return artifacts.map((artifact) => published.get(artifact)!);
  }

  async release(root: string): Promise<void> {
    await rm(root, { recursive: true, force: true });
  }

  /**
   * On an abort, lib-storage's done() rejects at once while its part uploads wind down and abort
   * the multipart upload later: abort it now as well, so no parts outlive the failure.
   */
  private async abandon(key: string, upload: Upload): Promise<void> {
    const { uploadId } = upload;
    if (!uploadId) return;
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId })).catch(() => undefined); // already aborted
  }
}

/**
 * A staging folder's name tells which process made it: `.staging-<host>-<pid namespace>-<pid>-<random>`
 * (containers of one pod share a hostname, not their pids).
 */
const STAGING = '.staging-';
const STAGING_NAME = /^\.staging-(.+)-(\d+)-(\d+)-[^-]+$/u;

/** This process's pid namespace (Linux; "0" elsewhere). */
function pidNamespace(): string {
  try {
    return /\[(\d+)\]/u.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '0';
  } catch {
    return '0';
  }
}

/**
 * Removes the staging folders in `dir` that a dead process of this machine (host and pid namespace)
 * left: a worker killed while it stitched or uploaded. Called when a worker starts. A folder with
 * this process's own pid counts as dead when it is older than this process (a container's worker
 * is pid 1 after every restart). Folders of other machines (a shared disk) and of live processes
 * stay. Returns the folders removed.
 */
export async function removeAbandonedStaging(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const startedAt = Date.now() - process.uptime() * 1000;
  const abandoned: string[] = [];
  for (const name of names) {
    const [, host, namespace, pidText] = STAGING_NAME.exec(name) ?? [];
    if (host !== hostname() || namespace !== pidNamespace()) continue;
    const pid = Number(pidText);
    const fromEarlierLife = pid === process.pid && (await stat(join(dir, name))).mtimeMs < startedAt;
    if (fromEarlierLife || !isRunning(pid)) abandoned.push(join(dir, name));
  }
  await Promise.all(abandoned.map((path) => rm(path, { recursive: true, force: true })));
  return abandoned;
}

/** A document's upload takes minutes; one a day old was left by a worker that died during it. */
const STALE_UPLOAD_MS = 24 * 3600 * 1000;

/**
 * Aborts the multipart uploads under an `s3://` output prefix (the whole bucket when it has none)
 * that began more than `olderThanMs` ago: a worker killed mid-upload leaves its parts (stored and
 * billed, never visible as an object). Called when a worker starts. Returns the keys aborted.
 */
export async function abortStaleUploads(outputUrl: string, olderThanMs = STALE_UPLOAD_MS, env = process.env): Promise<string[]> {
  if (!outputUrl.startsWith('s3://')) return [];
  const { bucket, prefix } = parseS3Url(outputUrl);
  const client = s3Client(env);
  const before = Date.now() - olderThanMs;
  const aborted: string[] = [];
  let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
  for (;;) {
    const page = await client.send(
      new ListMultipartUploadsCommand({ Bucket: bucket, ...(prefix ? { Prefix: `${prefix}/` } : {}), ...markers }),
    );
    for (const upload of page.Uploads ?? []) {
      if (!upload.Key || !upload.UploadId || !upload.Initiated || upload.Initiated.getTime() > before) continue;
      try {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }));
        aborted.push(upload.Key);
      } catch (error) {
        if (statusOf(error) !== 404) throw error; // 404: another worker starting beside us aborted it first
      }
    }
    const next = {
      ...(page.NextKeyMarker ? { KeyMarker: page.NextKeyMarker } : {}),
      ...(page.NextUploadIdMarker ? { UploadIdMarker: page.NextUploadIdMarker } : {}),
    };
    // A server that says "truncated" without moving its markers would have us list one page for ever.
    if (!page.IsTruncated || (next.KeyMarker === markers.KeyMarker && next.UploadIdMarker === markers.UploadIdMarker)) return aborted;
    markers = next;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: only asks whether it exists
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // it exists, under another user
  }
}

/** lib-storage takes a controller, not a signal. */
function abortControllerOf(signal: AbortSignal): AbortController {
  const controller = new AbortController();
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  return controller;
}

/** `AUDIO_OUTPUT_URL` (file:///dir or s3://bucket/prefix), else the output directory; S3 stages in `outputDir`. */
export function openOutputStore(outputDir: string, outputUrl?: string, env = process.env): OutputStore {
  if (!outputUrl) return new LocalOutputStore(outputDir);
  if (outputUrl.startsWith('s3://')) {
    const { bucket, prefix } = parseS3Url(outputUrl);
    return new S3OutputStore(s3Client(env), bucket, prefix, outputDir);
  }
  if (outputUrl.startsWith('file:')) return new LocalOutputStore(fileURLToPath(outputUrl));
  throw new Error(`cannot write outputs to ${outputUrl}: use file:///dir or s3://bucket/prefix`);
}

// --- Reading a finished output, wherever it is (the client's result, the API's audio) ---

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
        `${location} is not this document's output any more (sha256 ${sha256}, not ${expected.sha256}): another run wrote that name since; start the document again`,
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
