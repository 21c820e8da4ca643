// Starts the stitch of a document's first chunks (src/stitch/stitch-ahead.ts) once they are all
// done and the last ones are still spoken, so that after the last chunk the stitch has only the
// rest to write. An optimisation only: if it fails, the stitch writes the whole document.

import { proxyActivities } from '@temporalio/workflow';
import type { Activities, StitchInput } from '../activities/index.ts';
import type { ChunkRef } from '../contract/refs.ts';
import { aheadPrefix, stitchesAhead } from '../stitch/stitch-ahead.ts';

const { stitchAhead } = proxyActivities<Activities>({
  // A tenth less than the stitch's pass over the document: minutes for the longest run.
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 1 }, // the stitch does it all if this fails
});

export class StitchAhead {
  private readonly refs: ChunkRef[] = [];
  /** Chunks done from the first on, with no gap. */
  private inOrder = 0;
  private done = 0;
  private started?: Promise<string | null>;

  /** `request` makes the stitch's input for the first chunks (their refs in order). */
  private constructor(
    private readonly chunks: number,
    private readonly prefix: number,
    private readonly request: (refs: ChunkRef[]) => StitchInput,
  ) {}

  /** None for a document that is not stitched ahead (too short, not one levelled WAV). */
  static of(chunks: number, request: (refs: ChunkRef[]) => StitchInput): StitchAhead | undefined {
    const { output, cast } = request([]); // what is asked of the output does not depend on the refs
    return stitchesAhead(output, chunks, !!cast) ? new StitchAhead(chunks, aheadPrefix(chunks), request) : undefined;
  }

  /** Chunk `index` is done: once the first ones all are and some are still to come, their stitch starts. */
  finished(index: number, ref: ChunkRef): void {
    this.refs[index] = ref;
    this.done++;
    while (this.refs[this.inOrder]) this.inOrder++;
    if (this.started || this.inOrder < this.prefix || this.done === this.chunks) return;
    this.started = stitchAhead({ ...this.request(this.refs.slice(0, this.prefix)), documentChunks: this.chunks }).catch(() => null);
  }

  /** The token of the first chunks stitched, once the stitch ahead ends; none if it never started or wrote nothing. */
  async token(): Promise<string | undefined> {
    return (await this.started) ?? undefined;
  }
}
