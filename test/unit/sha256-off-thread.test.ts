// Hashing on the other thread gives the hash of the bytes as they were when handed over, in order.

import { expect, it } from 'vitest';
import { hashThreadState, StreamingSha256, sha256Hex, sha256Of } from '../../src/system/sha256-off-thread.ts';

const megabytes = (n: number, seed: number) => Uint8Array.from({ length: n * 1024 * 1024 }, (_, i) => (i * 31 + seed) & 0xff);

it('hashes large buffers on its thread, small ones here, each as sha256 does', async () => {
  const [large, small] = [megabytes(2, 1), megabytes(0.01, 2)];
  expect(await sha256Of(large)).toBe(sha256Hex(large));
  expect(hashThreadState()).toBe('running');
  expect(await sha256Of(small)).toBe(sha256Hex(small));
});

it('hashes a stream of updates in order, the bytes as they were when given (changed after, as the stitch levels in place)', async () => {
  const pieces = [megabytes(1, 3), megabytes(1, 4), megabytes(0.5, 5)];
  const whole = Buffer.concat(pieces);
  const hash = new StreamingSha256();
  for (const piece of pieces) {
    hash.update(piece);
    piece.fill(0);
  }
  const [a, b] = await Promise.all([hash.digest(), sha256Of(megabytes(1, 6))]);
  expect(a).toBe(sha256Hex(whole));
  expect(b).toBe(sha256Hex(megabytes(1, 6)));
});

it("leaves the caller's buffers whole: a Buffer, and a view into a larger one", async () => {
  const buffer = Buffer.from(megabytes(1, 7));
  const view = new Uint8Array(megabytes(2, 8).buffer, 1024, 1024 * 1024);
  const hash = new StreamingSha256();
  hash.update(buffer);
  hash.update(view);
  const [streamed, one] = await Promise.all([hash.digest(), sha256Of(buffer)]);
  expect(buffer.length).toBe(1024 * 1024);
  expect(view.length).toBe(1024 * 1024);
  expect(one).toBe(sha256Hex(buffer));
  expect(streamed).toBe(sha256Hex(Buffer.concat([buffer, view])));
});
