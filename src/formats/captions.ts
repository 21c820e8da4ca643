// Captions and speech marks from where the joiner put every chunk: one entry per sentence, timed
// to the stitched samples. A sentence starts at its first word when the engine timed its words
// (Kokoro, eSpeak), else at its share of the chunk by characters; a chunk's first sentence starts at the
// chunk's first sample. Written as WebVTT, SRT and JSON (like Polly's speech marks).

import type { WordTiming } from '../contract/audio.ts';
import { sentencesOf } from '../text/sentences.ts';
import type { PlacedChunk } from './placed-chunk.ts';

/** What the chunk store keeps beside a chunk's audio for captions. */
export interface ChunkSpeech {
  text: string;
  words?: WordTiming[];
  /** Who speaks it, in a document with a cast (from its plan, not stored beside the audio). */
  voice?: string;
}

export interface TimedWord {
  text: string;
  startMs: number;
  endMs: number;
}

export interface TimedSentence {
  text: string;
  startMs: number;
  endMs: number;
  chunk: number;
  /** A cast document's: the voice of the chunk it is in. */
  voice?: string;
  words?: TimedWord[];
}

export interface SpeechTimings {
  sampleRate: number;
  durationMs: number;
  sentences: TimedSentence[];
}

/** Sentences of every chunk, timed in the output; `speech[i]` belongs to `placed[i]`. */
export function timeSentences(placed: PlacedChunk[], speech: ChunkSpeech[], sampleRate: number, totalFrames: number): SpeechTimings {
  const ms = (frame: number) => Math.round((frame * 1000) / sampleRate);
  const sentences: TimedSentence[] = [];
  placed.forEach((chunk, i) => {
    const { text, words, voice } = speech[i]!;
    const end = chunk.startFrame + chunk.frames;
    // An engine's sample in the chunk, as an output frame (trim and rate change undone), kept inside the chunk.
    const frameOf = (sample: number) =>
      Math.min(
        end,
        Math.max(chunk.startFrame, chunk.startFrame + Math.round(((sample - chunk.trimmedFrames) * sampleRate) / chunk.sourceRate)),
      );
    const byCharacters = (offset: number) => chunk.startFrame + Math.round((offset / Math.max(1, text.length)) * chunk.frames);
    const parts = sentencesOf(text).filter((s) => s.segment.trim() !== '');
    parts.forEach((part, p) => {
      const last = p === parts.length - 1;
      const from = part.index;
      const to = last ? text.length : parts[p + 1]!.index;
      const own = words?.filter((w) => w.index >= from && w.index < to) ?? [];
      const start = p === 0 ? chunk.startFrame : own.length > 0 ? frameOf(own[0]!.start) : byCharacters(from);
      const nextWord = words?.find((w) => w.index >= to);
      // It lasts until the next sentence starts: its first word when timed, else its share.
      const next = last ? end : words?.length ? (nextWord ? frameOf(nextWord.start) : end) : byCharacters(to);
      sentences.push({
        text: part.segment.trim(),
        startMs: ms(start),
        endMs: ms(Math.max(start, next)),
        chunk: chunk.index,
        ...(voice ? { voice } : {}),
        ...(own.length > 0 ? { words: own.map((w) => ({ text: w.text, startMs: ms(frameOf(w.start)), endMs: ms(frameOf(w.end)) })) } : {}),
      });
    });
  });
  return { sampleRate, durationMs: ms(totalFrames), sentences };
}

export function webVtt(timings: SpeechTimings): string {
  // WebVTT cue text is markup: "<" would open a tag, "&" an entity.
  const escapeMarkup = (text: string) => text.replace(/&/gu, '&amp;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;');
  // A cast's cues name their voice: <v af_heart>. The annotation ends at ">", and has no "&" or "<" either.
  const speaker = (voice?: string) => (voice ? `<v ${voice.replace(/[&<>]/gu, '')}>` : '');
  const cues = timings.sentences.map(
    (s) => `${clock(s.startMs, '.')} --> ${clock(s.endMs, '.')}\n${speaker(s.voice)}${escapeMarkup(wrap(s.text))}`,
  );
  return `WEBVTT\n\n${cues.join('\n\n')}\n`;
}

export function srt(timings: SpeechTimings): string {
  return timings.sentences.map((s, i) => `${i + 1}\n${clock(s.startMs, ',')} --> ${clock(s.endMs, ',')}\n${wrap(s.text)}\n`).join('\n');
}

/** hh:mm:ss.mmm (SRT uses a comma). */
function clock(totalMs: number, separator: string): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const hours = Math.floor(totalMs / 3_600_000);
  const minutes = Math.floor(totalMs / 60_000) % 60;
  const seconds = Math.floor(totalMs / 1000) % 60;
  return `${pad(hours)}:${pad(minutes)}:${pad(seconds)}${separator}${pad(totalMs % 1000, 3)}`;
}

/** Lines of about 42 characters, the usual subtitle width; "-->" (a cue's timing arrow) becomes "→". */
function wrap(text: string, width = 42): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.replace(/-{2,}>/gu, '→').split(/\s+/u)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join('\n');
}
