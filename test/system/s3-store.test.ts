// The chunk store on a real S3 server (versitygw, built from the Go module proxy): the same
// promises as the local store (first write wins, hashes checked, foreign uris refused), and the
// activities on it give the same audio as on a local directory.

import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateBucketCommand, CreateMultipartUploadCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/index.ts';
import type { StitchInput, StitchResult, SynthesizeChunkInput } from '../../src/activities/types.ts';
import type { ChunkRef } from '../../src/contract/refs.ts';
import { SimulatedEngine, simulatedPin } from '../../src/engines/simulated.ts';
import { BlobOutsideStoreError, type BlobStore, LocalBlobStore, sha256Hex } from '../../src/storage/blob-store.ts';
import { openBlobStore, s3Client } from '../../src/storage/open-blob-store.ts';
import { abortStaleUploads, removeAbandonedStaging } from '../../src/storage/output-cleanup.ts';
import { outputSize, readOutput, saveOutput } from '../../src/storage/output-reader.ts';
import { S3OutputStore } from '../../src/storage/output-writer.ts';
import { loadText, storeText } from '../../src/storage/stored-text.ts';
import { type S3Server, startS3Server } from '../../testkit/s3-server.ts';
import { speakChunk } from '../../testkit/speak-chunk.ts';
import { rejection } from '../helpers/async.ts';

let server: S3Server;
let dir: string;
let store: BlobStore;
const bucket = 'chunks';

beforeAll(async () => {
  server = await startS3Server();
  dir = await mkdtemp(join(tmpdir(), 's3-store-test-'));
  await s3Client(server.env).send(new CreateBucketCommand({ Bucket: bucket }));
  store = openBlobStore(`s3://${bucket}/fleet/one`, server.env);
}, 300_000); // the first run builds versitygw

afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const bytesOf = (text: string) => new TextEncoder().encode(text);

describe('the chunk store on S3', () => {
  it('stores under the prefix, finds, reads back and removes, with s3: uris', async () => {
    const { uri, bytes } = await store.put('chunks/ab/first.wav', bytesOf('first bytes'));
    expect(uri).toBe(`s3://${bucket}/fleet/one/chunks/ab/first.wav`);
    expect(Buffer.from(bytes).toString()).toBe('first bytes');
    expect(await store.find('chunks/ab/first.wav')).toBe(uri);
    expect((await store.get(uri)).toString()).toBe('first bytes');
    const listed = await s3Client(server.env).send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'fleet/one/' }));
    expect(listed.Contents?.map((object) => object.Key)).toContain('fleet/one/chunks/ab/first.wav');
    await store.remove('chunks/ab/first.wav');
    expect(await store.find('chunks/ab/first.wav')).toBeUndefined();
    expect(((await rejection(store.get(uri))) as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('keeps the first write: a second put, or ten at once, all describe the bytes stored first', async () => {
    await store.put('chunks/cd/raced.wav', bytesOf('winner'));
    expect(Buffer.from((await store.put('chunks/cd/raced.wav', bytesOf('loser'))).bytes).toString()).toBe('winner');
    const racers = await Promise.all(Array.from({ length: 10 }, (_, i) => store.put('chunks/cd/at-once.wav', bytesOf(`racer ${i}`))));
    const stored = (await store.get(racers[0]!.uri)).toString();
    expect(racers.map((racer) => Buffer.from(racer.bytes).toString())).toEqual(Array(10).fill(stored));
  });

  it('refuses uris of another bucket, prefix or scheme, and keys that could escape', async () => {
    for (const uri of [`s3://other/fleet/one/chunks/ab/x.wav`, `s3://${bucket}/fleet/two/chunks/ab/x.wav`, 'file:///tmp/chunks/ab/x.wav']) {
      expect(await rejection(store.get(uri)), uri).toBeInstanceOf(BlobOutsideStoreError);
    }
    await expect(store.put('../escape.wav', bytesOf('x'))).rejects.toThrow(/invalid blob key/u);
    expect(() => openBlobStore('http://example.com/bucket')).toThrow(/use a directory, file:\/\/\/dir or s3:\/\/bucket\/prefix/u);
  });

  it('holds a stored text and checks it by hash', async () => {
    const text = 'A book stored in the bucket.\n\nIts second paragraph.';
    const ref = await storeText(store, text);
    expect(ref.uri.startsWith(`s3://${bucket}/fleet/one/texts/`)).toBe(true);
    expect(await loadText(store, ref)).toBe(text);
  });

  it('runs the chunk and stitch activities on it: the same WAV as on a local directory', async () => {
    const texts = ['The first chunk.', 'The second chunk, a little longer.', 'The end.'];
    const wav = async (blobStore: BlobStore, outputDir: string) => {
      const activities = createActivities({ engines: { simulated: new SimulatedEngine() }, blobStore, outputDir });
      const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
      const chunks: ChunkRef[] = [];
      for (const [index, text] of texts.entries()) {
        const input: SynthesizeChunkInput = { index, text, engine: 'simulated', pin: simulatedPin(), engineOptions: {} };
        chunks.push(await speakChunk(env, activities, input));
      }
      const stitch: StitchInput = { chunks, pausesAfterMs: [300, 300, 0], output: { name: 'doc.wav', format: 'wav' } };
      const result: StitchResult = await env.run(activities.stitch, stitch);
      return { chunks, bytes: await readFile(result.path) };
    };
    const onS3 = await wav(openBlobStore(`s3://${bucket}/activities`, server.env), join(dir, 's3'));
    const local = await wav(new LocalBlobStore(join(dir, 'blobs')), join(dir, 'local'));
    expect(onS3.chunks.every((chunk) => chunk.uri.startsWith(`s3://${bucket}/activities/chunks/`))).toBe(true);
    expect(sha256Hex(onS3.bytes)).toBe(sha256Hex(local.bytes));
  });
});

describe('outputs on S3 (AUDIO_OUTPUT_URL)', () => {
  const texts = ['Chapter One', 'The first chunk of the book.', 'Chapter Two', 'The last chunk.'];
  const chapters = [
    { chunk: 0, title: 'Chapter One' },
    { chunk: 2, title: 'Chapter Two' },
  ];

  async function stitched(outputUrl: string | undefined, outputDir: string, output: Partial<StitchInput['output']> = {}) {
    const blobStore = new LocalBlobStore(join(dir, 'output-blobs'));
    const activities = createActivities({
      engines: { simulated: new SimulatedEngine() },
      blobStore,
      outputDir,
      ...(outputUrl ? { outputUrl } : {}),
    });
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const chunks: ChunkRef[] = [];
    for (const [index, text] of texts.entries()) {
      const input: SynthesizeChunkInput = { index, text, engine: 'simulated', pin: simulatedPin(), engineOptions: {} };
      chunks.push(await speakChunk(env, activities, input));
    }
    const input: StitchInput = {
      chunks,
      pausesAfterMs: [700, 300, 700, 0],
      output: { name: 'book/book.wav', format: 'wav', captions: true, chapters, ...output },
    };
    const result: StitchResult = await env.run(activities.stitch, input);
    return result;
  }

  it('uploads the audio and its captions, leaves nothing staged, and reads back whole or by range', async () => {
    await withAwsEnv(async () => {
      const staging = join(dir, 'staging');
      const onS3 = await stitched(`s3://${bucket}/outputs`, staging);
      const local = await stitched(undefined, join(dir, 'local-output'));
      expect(onS3.uri).toBe(`s3://${bucket}/outputs/book/book.wav`);
      expect(onS3.path).toBe(onS3.uri);
      expect(onS3.artifacts!.map((a) => a.uri)).toEqual(
        local.artifacts!.map((a) => a.uri.replace(pathToFileURL(join(dir, 'local-output')).href, `s3://${bucket}/outputs`)),
      );
      expect(await readdir(staging)).toEqual([]); // the staging folder is gone
      const copy = join(dir, 'copy.wav');
      await saveOutput(onS3.uri, copy, onS3);
      await expect(saveOutput(onS3.uri, join(dir, 'wrong.wav'), { sha256: '0'.repeat(64) })).rejects.toThrow(
        /is not this document's output any more/u,
      );
      expect(await readdir(dir)).not.toContain('wrong.wav');
      expect(sha256Hex(await readFile(copy))).toBe(local.sha256);
      expect(onS3.sha256).toBe(local.sha256);
      expect(await outputSize(onS3.uri)).toBe(local.bytes);
      const head = Buffer.concat(await (await readOutput(onS3.uri, { start: 0, end: 11 })).toArray());
      expect(head.subarray(0, 4).toString()).toBe('RIFF');
      expect(head.subarray(8, 12).toString()).toBe('WAVE');
      expect(await outputSize(`s3://${bucket}/outputs/book/missing.wav`)).toBeUndefined();
    });
  });

  it('aborts a multipart upload that is cancelled half-way: no parts left, nothing under the key', async () => {
    const store = new S3OutputStore(s3Client(server.env), bucket, 'aborted', join(dir, 'staging-aborted'));
    const root = await store.prepare();
    const path = join(root, 'big.wav');
    await writeFile(path, Buffer.alloc(40 * 1024 * 1024, 7)); // five parts of 8 MB
    const artifact = {
      kind: 'audio' as const,
      name: 'big.wav',
      path,
      uri: pathToFileURL(path).href,
      mediaType: 'audio/wav',
      bytes: 40 * 1024 * 1024,
      sha256: '',
    };
    const controller = new AbortController();
    let beats = 0;
    const beat = () => {
      if (++beats === 2) controller.abort(); // once the upload is under way
    };
    await expect(withAwsEnv(() => store.publish(root, [artifact], { beat, signal: controller.signal }))).rejects.toThrow();
    const uploads = await s3Client(server.env).send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'aborted/' }));
    expect(uploads.Uploads ?? []).toEqual([]);
    expect(await withAwsEnv(() => outputSize(`s3://${bucket}/aborted/big.wav`))).toBeUndefined();
    await store.release(root);
    expect(await readdir(join(dir, 'staging-aborted'))).toEqual([]);
  });

  it('writes nothing under the key when the upload fails, and cleans its staging folder', async () => {
    await withAwsEnv(async () => {
      const staging = join(dir, 'staging-failed');
      const error = await rejection(stitched(`s3://no-such-bucket/outputs`, staging));
      expect(String(error)).toMatch(/bucket/iu);
      expect(await readdir(staging)).toEqual([]);
    });
  });
});

describe('staging folders a dead worker left', () => {
  it('are removed when a worker starts: those of dead processes of this machine, and only those', async () => {
    const staging = join(dir, 'staging-sweep');
    const store = new S3OutputStore(s3Client(server.env), bucket, 'sweep', staging);
    const mine = basename(await store.prepare()); // a live folder of this very process: it stays
    const [, namespace] = /^\.staging-.+-(\d+)-\d+-[^-]+$/u.exec(mine) ?? [];
    expect(mine.startsWith(`.staging-${hostname()}-${namespace}-${process.pid}-`)).toBe(true);
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const ours = (pid: number) => `.staging-${hostname()}-${namespace}-${pid}-Ab12Cd`;
    const dead = ours(deadPid);
    const earlierLife = `${ours(process.pid).slice(0, -6)}Xy34Zw`; // this pid, before this process began: a restarted container
    const live = ours(process.ppid); // vitest's own process
    const otherNamespace = `.staging-${hostname()}-${Number(namespace) + 1}-${deadPid}-Ab12Cd`; // another container of the pod
    const otherMachine = `.staging-elsewhere-${namespace}-${deadPid}-Ab12Cd`; // a shared disk: not ours to judge
    const unrelated = ['book', '.staging-Ab12Cd'];
    for (const name of [dead, earlierLife, live, otherNamespace, otherMachine, ...unrelated])
      await mkdir(join(staging, name, 'inside'), { recursive: true });
    const beforeThisProcess = new Date(Date.now() - process.uptime() * 1000 - 60_000);
    await utimes(join(staging, earlierLife), beforeThisProcess, beforeThisProcess);

    const removed = await removeAbandonedStaging(staging);
    expect(removed.map((path) => basename(path)).sort()).toEqual([dead, earlierLife].sort());
    expect((await readdir(staging)).sort()).toEqual([mine, live, otherNamespace, otherMachine, ...unrelated].sort());
    expect(await removeAbandonedStaging(join(dir, 'no-such-folder'))).toEqual([]);
  });

  it('and the unfinished uploads it began are aborted once they are stale, under the output prefix only', async () => {
    const client = s3Client(server.env);
    const begin = (key: string) => client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    await begin('stale/book/book.m4b');
    await begin('elsewhere/book.m4b');
    const pending = async () =>
      ((await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [])
        .map((upload) => upload.Key)
        .filter((key) => !key?.startsWith('aborted/'));

    expect(await abortStaleUploads(`s3://${bucket}/stale`, undefined, server.env)).toEqual([]); // a day must pass first
    expect((await pending()).sort()).toEqual(['elsewhere/book.m4b', 'stale/book/book.m4b']);
    expect(await abortStaleUploads(`s3://${bucket}/stale`, 0, server.env)).toEqual(['stale/book/book.m4b']);
    expect(await pending()).toEqual(['elsewhere/book.m4b']);
    expect(await abortStaleUploads('file:///tmp/outputs', 0, server.env)).toEqual([]);
  });
});

/** The AWS settings of our server in process.env while `fn` runs (the activities read the standard variables). */
async function withAwsEnv<T>(fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(server.env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, server.env);
  try {
    return await fn();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
