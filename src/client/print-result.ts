// How the command line reports a finished document.

import type { Artifact, AudioDocumentResult } from '../contract/result.ts';

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
    `${result.artifacts?.[0]?.kind === 'book' ? 'Book: ' : 'Audio:'}    ${result.path}`,
    ...(result.spokenBy ? [`Engine:   ${result.spokenBy}`] : []),
    `Duration: ${minutes} min ${seconds} s (${result.sampleRate} Hz, ${result.channels === 1 ? 'mono' : 'stereo'}, ` +
      `${(audioBytes(result) / 1e6).toFixed(1)} MB)`,
    `Chunks:   ${result.chunks} (${result.mode}, ${result.concurrency} concurrent` +
      `${result.mode === 'parallel' ? `, ${result.schedule}` : ''}; ` +
      `${result.cachedChunks} reused, ${result.failedAttempts} retried attempts)`,
    `Cost:     ${result.characters} characters` +
      `${result.predictTimeSec === undefined ? '' : `, ${result.predictTimeSec.toFixed(1)} s of provider hardware time`}`,
    `Timings:  synthesis ${(t.synthesisMs / 1000).toFixed(1)} s, stitch ${(t.stitchMs / 1000).toFixed(1)} s, ` +
      `workflow ${(t.totalMs / 1000).toFixed(1)} s`,
    `sha256:   ${result.sha256}`,
    ...loudnessLines(result),
    ...voiceLines(result),
    ...verificationLines(result),
    ...(result.acx
      ? [
          `ACX:      ${result.acx.pass ? 'passes' : 'FAILS'}: ` +
            `${result.acx.rules
              .map(
                (r) =>
                  `${r.rule} ${r.measured ?? 'digital silence'}` +
                  `${typeof r.measured === 'number' ? (r.rule.startsWith('roomTone') ? ' ms' : ' dB') : ''} ` +
                  `${r.pass ? 'ok' : `(expected ${r.expected})`}`,
              )
              .join(', ')}, gain ${result.acx.gainDb} dB` +
            `${result.acx.limitedMs ? `, peaks held >1 dB down over ${(result.acx.limitedMs / 1000).toFixed(1)} s` : ''}`,
        ]
      : []),
    ...(result.chapters?.length ? [`Chapters: ${result.chapters.map((c) => `${clock(c.startMs)} ${c.title}`).join('\n          ')}`] : []),
    ...splitLines(result),
    ...(result.artifacts ?? [])
      .filter((a) => a.kind !== 'audio' && a.kind !== 'playlist' && (!isSplit(result) || LIBRARY_FILES.has(a.kind)))
      .map((a) => `${`${ARTIFACT_LABELS[a.kind] ?? 'Captions'}:`.padEnd(10)}${a.path}`),
    ...result.notices.map((notice) => `Note:     ${notice}`),
  ].join('\n');
}

/** How the result's other files are labelled (captions by default). */
const ARTIFACT_LABELS: Partial<Record<Artifact['kind'], string>> = { timings: 'Timings', cover: 'Cover', metadata: 'Metadata' };
/** A library's files, shown for a split document too. */
const LIBRARY_FILES: ReadonlySet<Artifact['kind']> = new Set(['cover', 'metadata']);

/** With verify: what was heard back, and every chunk still off, with what was heard. */
function verificationLines({ verification: v }: AudioDocumentResult): string[] {
  if (!v) return [];
  const threshold = v.maxWordErrorRate.toFixed(2);
  const outcome = v.unresolved.length === 0 ? `all within ${threshold} word errors` : `${v.unresolved.length} still over ${threshold}:`;
  return [
    `Verified: ${v.checked} chunks heard back, ${v.resynthesized} spoken again; ${outcome}`,
    ...v.unresolved.map((u) => `          chunk ${u.index} (word error rate ${u.wer.toFixed(2)}), heard "${u.heard}"`),
  ];
}

/** The audio's size: split by chapter, of all the files (the result's own bytes are the playlist's). */
function audioBytes(result: AudioDocumentResult): number {
  return isSplit(result) ? result.artifacts!.filter((a) => a.kind === 'audio').reduce((sum, a) => sum + a.bytes, 0) : result.bytes;
}

/** Split by chapter: a playlist, or a read-along book, stands for the chapter files. */
function isSplit(result: AudioDocumentResult): boolean {
  const kind = result.artifacts?.[0]?.kind;
  return kind === 'playlist' || kind === 'book';
}

/** Split by chapter: the audio line shows the playlist; then the folder of files, and any file that fails ACX. */
function splitLines(result: AudioDocumentResult): string[] {
  if (!isSplit(result)) return [];
  const audio = result.artifacts!.filter((a) => a.kind === 'audio');
  const folder = audio[0]!.path.replace(/[/\\][^/\\]*$/u, '');
  const failing = result.acx?.files?.filter((f) => !f.pass) ?? [];
  return [
    `Files:    ${audio.length} (one per chapter` +
      `${result.artifacts!.some((a) => a.kind === 'captions') ? ', each with captions and timings' : ''}) in ${folder}`,
    ...failing.map(
      (f) =>
        `          ${f.name} FAILS ACX: ${f.rules
          .filter((r) => !r.pass)
          .map((r) => `${r.rule} ${r.measured} (expected ${r.expected})`)
          .join(', ')}`,
    ),
  ];
}

function loudnessLines({ loudness }: AudioDocumentResult): string[] {
  if (!loudness) return [];
  const lufs = (v: number | null) => (v === null ? 'silent' : `${v.toFixed(1)} LUFS`);
  const peak = (v: number | null) => (v === null ? '-inf' : `${v.toFixed(1)} dBTP`);
  const { before, after } = loudness;
  return [
    `Loudness: ${lufs(after.integratedLufs)}, range ${after.rangeLu.toFixed(1)} LU, true peak ${peak(after.truePeakDb)} ` +
      `(target ${loudness.targetLufs} LUFS, ceiling ${loudness.truePeakDb} dBTP)`,
    `          was ${lufs(before.integratedLufs)}, true peak ${peak(before.truePeakDb)}; ` +
      `gain ${loudness.gainDb >= 0 ? '+' : ''}${loudness.gainDb.toFixed(1)} dB` +
      `${loudness.limitedMs ? `, peaks held >1 dB down over ${(loudness.limitedMs / 1000).toFixed(1)} s` : ''}`,
  ];
}

/** A cast: each voice's share of the speech, and its level before the one gain (loudness stays even across voices). */
function voiceLines({ voices }: AudioDocumentResult): string[] {
  if (!voices?.length) return [];
  const rows = voices.map(
    (v) =>
      `${v.voice} ${(v.share * 100).toFixed(0)}% (${v.speechSec.toFixed(1)} s, ${v.chunks} chunks` +
      `${v.loudnessLufs === undefined ? '' : `, was ${v.loudnessLufs.toFixed(1)} LUFS`})`,
  );
  return [`Voices:   ${rows.join('\n          ')}`];
}

/** h:mm:ss */
function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
