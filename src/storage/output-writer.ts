// Where finished documents go: the worker's output directory (file:), or an S3 bucket that any app
// can read (s3://bucket/prefix). The stitch writes its files in a local folder either way (an
// encoder needs a file it can seek in); for S3 they are then uploaded in parts, from disk, and
// appear under their key only when the upload completes.

import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AbortMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Artifact } from '../contract/result.ts';
import { parseS3Url, s3Client } from './open-blob-store.ts';
import { stagingPrefix } from './staging-folders.ts';

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
    return mkdtemp(join(resolve(this.stagingDir), stagingPrefix()));
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
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId })).catch(
      () => undefined, // already aborted
    );
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
