// How the command line reports a finished document.

import type { AudioDocumentResult } from '../document/result.ts';

/** The innermost cause of a Temporal failure chain: "unknown eSpeak voice ...", not "Workflow execution failed". */
export function describeFailure(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(error);
}

export function describeResult(result: AudioDocumentResult): string {
  const minutes = Math.floor(result.durationSec / 60);
  const seconds = (result.durationSec % 60).toFixed(1);
  const t = result.timings;
  return [
    `Audio:    ${result.path}`,
    `Duration: ${minutes} min ${seconds} s (${result.sampleRate} Hz, ${result.channels === 1 ? 'mono' : 'stereo'}, ${(result.bytes / 1e6).toFixed(1)} MB)`,
    `Chunks:   ${result.chunks} (${result.mode}, ${result.concurrency} concurrent${result.mode === 'parallel' ? `, ${result.schedule}` : ''}; ${result.cachedChunks} reused, ${result.failedAttempts} retried attempts)`,
    `Cost:     ${result.characters} characters${result.predictTimeSec === undefined ? '' : `, ${result.predictTimeSec.toFixed(1)} s of provider hardware time`}`,
    `Timings:  synthesis ${(t.synthesisMs / 1000).toFixed(1)} s, stitch ${(t.stitchMs / 1000).toFixed(1)} s, workflow ${(t.totalMs / 1000).toFixed(1)} s`,
    `sha256:   ${result.sha256}`,
    ...result.notices.map((notice) => `Note:     ${notice}`),
  ].join('\n');
}
