// What a worker killed while it stitched or uploaded leaves behind, removed when a worker starts: its
// staging folder on this machine, and its multipart upload in the bucket.

import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { isProcessAlive } from '../system/process-alive.ts';
import { parseS3Url, s3Client } from './open-blob-store.ts';
import { statusOf } from './s3-blob-store.ts';
import { stagingPidOnThisMachine } from './staging-folders.ts';

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
    const pid = stagingPidOnThisMachine(name);
    if (pid === undefined) continue;
    const fromEarlierLife = pid === process.pid && (await stat(join(dir, name))).mtimeMs < startedAt;
    if (fromEarlierLife || !isProcessAlive(pid)) abandoned.push(join(dir, name));
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
