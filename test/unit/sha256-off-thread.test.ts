// Hashing on the other thread gives the hash of the bytes as they were when handed over, and of a
// file as the thread writes it.

import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { HashedFileWrites, hashThreadState, readFileSha256, sha256Hex, sha256Of } from '../../src/system/sha256-off-thread.ts';

const megabytes = (n: number, seed: number) => Uint8Array.from({ length: n * 1024 * 1024 }, (_, i) => (i * 31 + seed) & 0xff);

it('hashes large buffers on its thread, small ones here, each as sha256 does', async () => {
  const [large, small] = [megabytes(2, 1), megabytes(0.01, 2)];
  expect(await sha256Of(large)).toBe(sha256Hex(large));
  expect(hashThreadState()).toBe('running');
  expect(await sha256Of(small)).toBe(sha256Hex(small));
});

it('writes a file on its thread after what is there, hashing what it writes; the caller may reuse what it gave', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sha256-file-'));
  try {
    const path = join(dir, 'out.bin');
    const file = await open(path, 'wx');
    await file.write(Buffer.from('header'));
    const writes = (await HashedFileWrites.open(file.fd))!;
    const pieces = [megabytes(0.3, 3), megabytes(2.6, 4), megabytes(0.001, 5), megabytes(1.2, 6)];
    const expected = Buffer.concat([Buffer.from('header'), ...pieces]);
    const reused = new Uint8Array(pieces[0]!.length);
    for (const piece of pieces) {
      reused.set(piece.subarray(0, Math.min(piece.length, reused.length)));
      await writes.write(piece === pieces[0] ? reused : piece);
      reused.fill(0); // copied already: the file keeps what was given
    }
    const [hash, check] = await Promise.all([writes.finish(), sha256Of(megabytes(1, 7))]);
    await file.close();
    expect(hash).toBe(sha256Hex(Buffer.concat(pieces)));
    expect(Buffer.compare(await readFile(path), expected)).toBe(0);
    expect(check).toBe(sha256Hex(megabytes(1, 7)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('fails the file when a write fails, naming why, and takes no write once dropped', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sha256-file-'));
  try {
    await writeFile(join(dir, 'read-only.bin'), 'x');
    const file = await open(join(dir, 'read-only.bin'), 'r'); // every write fails
    const writes = (await HashedFileWrites.open(file.fd))!;
    const written = (async () => {
      for (let i = 0; i < 8; i++) await writes.write(megabytes(1, i)); // more than the blocks: waits for failed ones back
    })();
    await expect(written).rejects.toMatchObject({ code: 'EBADF' });
    await expect(writes.finish()).rejects.toMatchObject({ code: 'EBADF' });
    await writes.drop();
    await expect(writes.write(megabytes(1, 9))).rejects.toMatchObject({ code: 'EBADF' }); // failed, and never sent
    await file.close();
    expect(await sha256Of(megabytes(1, 10))).toBe(sha256Hex(megabytes(1, 10))); // the thread goes on
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it("leaves the caller's buffers whole: a Buffer, and a view into a larger one", async () => {
  const buffer = Buffer.from(megabytes(1, 7));
  const view = new Uint8Array(megabytes(2, 8).buffer, 1024, 1024 * 1024);
  const [fromBuffer, fromView] = await Promise.all([sha256Of(buffer), sha256Of(view)]);
  expect(buffer.length).toBe(1024 * 1024);
  expect(view.length).toBe(1024 * 1024);
  expect(fromBuffer).toBe(sha256Hex(buffer));
  expect(fromView).toBe(sha256Hex(view));
});

it('reads a file on its thread and hands back its bytes with their hash; a missing one fails as reading it here would', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sha256-read-'));
  try {
    const [large, small] = [megabytes(1.5, 11), megabytes(0.001, 12)];
    await writeFile(join(dir, 'large.bin'), large);
    await writeFile(join(dir, 'small.bin'), small);
    const [a, b] = await Promise.all([readFileSha256(join(dir, 'large.bin')), readFileSha256(join(dir, 'small.bin'))]);
    expect(Buffer.compare(a.bytes, Buffer.from(large))).toBe(0);
    expect(a.sha256).toBe(sha256Hex(large));
    expect(Buffer.compare(b.bytes, Buffer.from(small))).toBe(0);
    expect(b.sha256).toBe(sha256Hex(small));
    await expect(readFileSha256(join(dir, 'missing.bin'))).rejects.toMatchObject({ code: 'ENOENT' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('drops a file while a write waits for a block: the write fails, and nothing reaches the file after the drop', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sha256-file-'));
  try {
    const path = join(dir, 'aborted.bin');
    const file = await open(path, 'wx');
    const writes = (await HashedFileWrites.open(file.fd))!;
    const waiting = writes.write(megabytes(9, 13)); // more than the four blocks: it waits for one back
    const failed = expect(waiting).rejects.toThrow(/dropped/u);
    await writes.drop(); // as an abort does, beside the write
    await failed;
    const size = (await file.stat()).size;
    await file.close();
    expect(size).toBeLessThanOrEqual(4 * 1024 * 1024); // the blocks sent before the drop, no more
    expect((await readFile(path)).length).toBe(size);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('lets two writes wait for blocks at once: both go out, and the hash is of what the file holds', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sha256-file-'));
  try {
    const path = join(dir, 'both.bin');
    const file = await open(path, 'wx');
    const writes = (await HashedFileWrites.open(file.fd))!;
    await Promise.all([writes.write(megabytes(6, 14)), writes.write(megabytes(6, 15))]);
    const hash = await writes.finish();
    await file.close();
    const held = await readFile(path);
    expect(held.length).toBe(12 * 1024 * 1024);
    expect(hash).toBe(sha256Hex(held));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
