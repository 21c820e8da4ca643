// Buffers used again: the stitch reads each chunk into the memory of one it has written. New
// memory for every chunk (48 MB for 16 minutes) set off two full collections of the worker's heap
// in the middle of the stitch, about 80 ms of the wait after the last chunk.

export class SpareBuffers {
  private readonly spare: ArrayBuffer[] = [];

  /** Keeps at most `max`. */
  constructor(private readonly max: number) {}

  /** One to use (it is the caller's then), if any. */
  take(): ArrayBuffer | undefined {
    return this.spare.pop();
  }

  /** A buffer nothing reads or writes any more; one handed elsewhere (detached) is not kept. */
  give(buffer: ArrayBufferLike): void {
    if (buffer instanceof ArrayBuffer && buffer.byteLength > 0 && this.spare.length < this.max) this.spare.push(buffer);
  }
}
