// What a running document answers when asked: its progress (with an ETA) and the finished prefix
// of chunks a listener can hear while the rest renders. Pure: the workflow passes in its clock and
// registers the queries.

import type { PreparedText } from '../activities/index.ts';
import { engineLabel } from '../contract/engine-label.ts';
import type { EnginePin } from '../contract/input-schema.ts';
import type { ChunkRef } from '../contract/refs.ts';
import type { DocumentProgress, LivePrefix } from '../contract/result.ts';
import type { PartProgress } from './definitions.ts';
import { EtaEstimator, etaWindow } from './eta.ts';

/** Parts report every few dozen chunks: the ETA's window is a few reports, not chunks. */
const PART_ETA_WINDOW = 4;

export class DocumentProgressTracker {
  private readonly progress: DocumentProgress;
  private eta?: EtaEstimator;
  // Chunks land in any order; the contiguous prefix 0..ready-1 can be heard (a document in one run).
  private readonly finished: ChunkRef[] = [];
  private ready = 0;
  private pausesAfterMs: number[] = [];
  private parts = 1;
  // A book: the finished parts' totals, and the running part's latest report.
  private readonly partsBefore = { done: 0, failedAttempts: 0 };
  private exactPauses = new Set<number>();
  private currentPart: PartProgress = { part: 0, done: 0, inFlight: 0, failedAttempts: 0, characters: 0 };

  constructor(
    startedAt: number,
    /** What the live stream needs to play the pieces as the stitcher will join them. */
    private playback: Pick<LivePrefix, 'sampleRate' | 'channels' | 'join'>,
  ) {
    // Answered from the start: a book's chunks are counted once the text is read (total 0 until then).
    this.progress = { phase: 'synthesizing', total: 0, done: 0, inFlight: 0, failedAttempts: 0, startedAt, elapsedMs: 0 };
  }

  /** The engine is pinned: progress names it from now on. */
  pinned(pin: EnginePin): void {
    this.progress.spokenBy = engineLabel(pin);
  }

  /** The text is chunked: how many chunks, their pauses, and the pace's measure (characters). */
  planned(
    plan: Pick<PreparedText, 'chunks' | 'characters' | 'parts' | 'cast'>,
    pausesAfterMs: number[],
    concurrency: number,
    now: number,
  ): void {
    this.progress.total = plan.chunks;
    this.parts = plan.parts.length;
    this.pausesAfterMs = pausesAfterMs;
    // [pause:…] tags: exact pauses, and silence before the first words, heard live as in the file.
    this.exactPauses = new Set(plan.cast?.pauses.map(([chunk]) => chunk));
    const leadPauseMs = plan.cast?.leadPauseMs;
    if (leadPauseMs && this.playback.join)
      this.playback = { ...this.playback, join: { ...this.playback.join, leadInMs: (this.playback.join.leadInMs ?? 0) + leadPauseMs } };
    this.eta = new EtaEstimator(plan.characters, now, this.parts > 1 ? PART_ETA_WINDOW : etaWindow(concurrency));
  }

  set phase(phase: DocumentProgress['phase']) {
    this.progress.phase = phase;
  }

  get failedAttempts(): number {
    return this.progress.failedAttempts;
  }

  // --- A document in one run: chunk by chunk ---

  chunkStarted(): void {
    this.progress.inFlight++;
  }

  chunkFinished(index: number, ref: ChunkRef, characters: number, now: number): void {
    this.progress.done++;
    this.finished[index] = ref;
    while (this.finished[this.ready]) this.ready++;
    this.progress.failedAttempts += ref.attempt - 1;
    this.updateEta(characters, now);
  }

  chunkEnded(): void {
    this.progress.inFlight--;
  }

  // --- A book: part by part, from their signals and results ---

  /** A part's latest report; reports of a part that already ended (they may come after its result) are ignored. */
  partReported(latest: PartProgress, now: number): void {
    if (latest.part !== this.currentPart.part) return;
    this.applyPartReport(latest, now);
  }

  partStarted(part: number): void {
    this.currentPart = { part, done: 0, inFlight: 0, failedAttempts: 0, characters: 0 };
  }

  partFinished(part: number, result: { chunks: number; failedAttempts: number }, characters: number, now: number): void {
    this.applyPartReport({ part, done: result.chunks, inFlight: 0, failedAttempts: result.failedAttempts, characters }, now);
    this.partsBefore.done += result.chunks;
    this.partsBefore.failedAttempts += result.failedAttempts;
  }

  // --- The answers ---

  snapshot(now: number): DocumentProgress {
    return { ...this.progress, elapsedMs: now - this.progress.startedAt };
  }

  livePrefix(from: number): LivePrefix {
    return {
      total: this.progress.total,
      ready: this.ready,
      phase: this.progress.phase,
      ...(this.parts > 1 ? { parts: this.parts } : {}),
      pieces: this.finished.slice(from, this.ready).map((ref, i) => ({
        ...ref,
        pauseAfterMs: this.pausesAfterMs[from + i]!,
        ...(this.exactPauses.has(from + i) ? { exactPause: true } : {}),
      })),
      ...(this.playback.sampleRate ? { sampleRate: this.playback.sampleRate } : {}),
      ...(this.playback.channels ? { channels: this.playback.channels } : {}),
      join: this.playback.join,
    };
  }

  private applyPartReport(latest: PartProgress, now: number): void {
    const characters = latest.characters - (latest.part === this.currentPart.part ? this.currentPart.characters : 0);
    this.currentPart = latest;
    this.progress.done = this.partsBefore.done + latest.done;
    this.progress.inFlight = latest.inFlight;
    this.progress.failedAttempts = this.partsBefore.failedAttempts + latest.failedAttempts;
    this.updateEta(characters, now);
  }

  private updateEta(characters: number, now: number): void {
    const etaMs = this.eta?.chunkFinished(characters, now);
    if (etaMs !== undefined) this.progress.etaMs = etaMs;
  }
}
