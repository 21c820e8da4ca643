// How long synthesis has left, from the pace of the most recent chunks, weighed by their length in
// characters. Recent, so that a model's loading, stored chunks reused at once or a pause while no
// worker ran (a resumed document) stop counting after a few chunks; by characters, because chunks
// are not the same length (a heading is a few words, a paragraph is 300 characters).
// Pure: the workflow passes in its own clock.

/**
 * Chunks that set the pace. Measured on the sample with Kokoro (C=5, scripts/bench/kokoro-sample.ts):
 * a window of 10 chunks was +1% to +44% off the time really left (one chunk's time varies by a
 * third between chunks of the same length); more chunks average that out, and a slow start or a
 * pause is still forgotten within a few minutes.
 */
export const etaWindow = (concurrency: number) => Math.max(20, 4 * concurrency);

export class EtaEstimator {
  private readonly finished: Array<{ at: number; characters: number }> = [];
  private remaining: number;

  constructor(
    /** The characters of every chunk still to synthesise. */
    totalCharacters: number,
    /** When synthesis began: the start of the first window. */
    private readonly startedAt: number,
    /** How many of the latest chunks set the pace; a few times the concurrency smooths out its bursts. */
    private readonly window: number,
  ) {
    this.remaining = totalCharacters;
  }

  /** A chunk of `characters` finished at `at`; returns the time left in ms, or undefined before any pace is known. */
  chunkFinished(characters: number, at: number): number | undefined {
    this.finished.push({ at, characters });
    if (this.finished.length > this.window + 1) this.finished.shift(); // the window, and the chunk before it
    this.remaining -= characters;
    const recent = this.finished.slice(-this.window);
    const from = this.finished.length > this.window ? this.finished[0]!.at : this.startedAt;
    const characterSum = recent.reduce((sum, chunk) => sum + chunk.characters, 0);
    const elapsed = at - from;
    if (characterSum <= 0 || elapsed <= 0) return undefined; // stored chunks all at once say nothing of the pace
    return Math.round((elapsed / characterSum) * Math.max(0, this.remaining));
  }
}
