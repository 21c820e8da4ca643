// Hashing on the other thread gives the hash of the bytes as they were when handed over, and of a
// file as written, read back by the thread.

import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { hashThreadState, readFileSha256, sha256Hex, sha256Of, WrittenFileSha256 } from '../../src/system/sha256-off-thread.ts';

const megabytes = (n: number, seed: number) => Uint8Array.from({ length: n * 1024 * 1024 }, (_, i) => (i * 31 + seed) & 0xff);

it('hashes large buffers on its thread, small ones here, each as sha256 does', async () => {
  const [large, small] = [megabytes(2, 1), megabytes(0.01, 2)];
  expect(await sha256Of(large)).toBe(sha256Hex(large));
  expect(hashThreadState()).toBe('running');
  expect(await sha256Of(small)).toBe(sha256Hex(small));
});

it('hashes a file as it is written, reading it back through its descriptor, beside one-shot checks', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sha256-file-'));
  try {
    const pieces = [megabytes(1, 3), megabytes(1, 4), megabytes(0.5, 5)];
    const file = await open(join(dir, 'out.bin'), 'wx+');
    const hash = new WrittenFileSha256(file.fd);
    let written = 0;
    for (const piece of pieces) {
      await file.write(piece);
      hash.writtenUpTo((written += piece.length));
    }
    const [a, b] = await Promise.all([hash.digest(written), sha256Of(megabytes(1, 6))]);
    await file.close();
    expect(a).toBe(sha256Hex(Buffer.concat(pieces)));
    expect(b).toBe(sha256Hex(megabytes(1, 6)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('refuses a digest of more than the file holds, so its writer hashes the file itself', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sha256-file-'));
  try {
    const file = await open(join(dir, 'short.bin'), 'wx+');
    await file.write(megabytes(0.5, 9));
    const hash = new WrittenFileSha256(file.fd);
    await expect(hash.digest(1024 * 1024)).rejects.toThrow(/shorter than was written/u);
    // An aborted file: the thread forgets it, and says so before the file is closed.
    const aborted = new WrittenFileSha256(file.fd);
    aborted.writtenUpTo(512 * 1024);
    await aborted.drop();
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
    expect(Buffer.compare(b.bytes, Buffer.from(small))).toBe(0); // a small file comes out of the thread's pool, copied
    expect(b.sha256).toBe(sha256Hex(small));
    await expect(readFileSha256(join(dir, 'missing.bin'))).rejects.toMatchObject({ code: 'ENOENT' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
