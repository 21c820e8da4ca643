// [voice:NAME]…[/voice] and [pause:1.5s] in a text: read, checked, and replaced by marks
// (cast-marks.ts), so that Markdown reading and chunking carry them to the chunks they belong to.
// Tags nest; anything unbalanced or unreadable is refused with the line it is on.

import { MAX_TAGGED, PRIVATE_USE, pauseMark, voiceMark } from './cast-marks.ts';
import { canonicalBlend, isBlend, parseBlend } from './voice-blend.ts';

/** A tag that cannot be read or does not balance; `line` is 1-based. */
export class CastError extends Error {
  override name = 'CastError';
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
  }
}

/** The longest pause a tag may ask for: a longer silence is a mistake, not a pause. */
export const MAX_PAUSE_MS = 60_000;

export interface TaggedText {
  /** The text with tags replaced by marks (and its own private-use characters removed). */
  text: string;
  /** Voice state n (n >= 1) is voices[n - 1]. */
  voices: string[];
  /** Pause mark n is pausesMs[n]. */
  pausesMs: number[];
  /** Every voice a tag names, with its line, for the engine's check. */
  named: Array<{ voice: string; line: number }>;
}

const TAG = /\[(?:(voice|pause)\s*:([^\]\n]*)|\/(voice))\]/giu;
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s)$/iu;

export function readTags(source: string): TaggedText {
  const voices: string[] = [];
  const pausesMs: number[] = [];
  const named: TaggedText['named'] = [];
  const open: Array<{ state: number; line: number; tag: string }> = [];
  const pieces: string[] = [];
  let from = 0;
  let line = 1;
  let counted = 0;
  for (const match of source.matchAll(TAG)) {
    line += countLines(source, counted, match.index);
    counted = match.index;
    const [tag, kind, value, close] = match;
    // A tag inside a word would cut it in two: the voice changes between words.
    if (/\w/u.test(source[match.index - 1] ?? '') && /\w/u.test(source[match.index + tag.length] ?? ''))
      throw new CastError(`${tag} is inside a word; put it between words`, line);
    pieces.push(ownText(source.slice(from, match.index)));
    from = match.index + tag.length;
    if (close) {
      if (!open.pop()) throw new CastError('[/voice] closes no [voice:…]', line);
      pieces.push(voiceMark(open.at(-1)?.state ?? 0));
    } else if (kind!.toLowerCase() === 'voice') {
      const voice = voiceName(value!.trim(), tag, line);
      named.push({ voice, line });
      const state = indexOf(voices, voice, 'voices', line) + 1;
      open.push({ state, line, tag });
      pieces.push(voiceMark(state));
    } else {
      pieces.push(pauseMark(indexOf(pausesMs, pauseMs(value!.trim(), tag, line), 'pause lengths', line)));
    }
  }
  const unclosed = open.pop();
  if (unclosed) throw new CastError(`${unclosed.tag} is never closed with [/voice]`, unclosed.line);
  pieces.push(ownText(source.slice(from)));
  return { text: pieces.join(''), voices, pausesMs, named };
}

/** A voice as chunk keys spell it: a blend in its one spelling (voice-blend.ts), a name as written. */
export function voiceName(voice: string, tag: string, line?: number): string {
  if (voice === '') throw new CastError(`${tag} names no voice`, line);
  if (/\s/u.test(voice) && !isBlend(voice)) throw new CastError(`${tag}: a voice name has no spaces`, line);
  if (!isBlend(voice)) return voice;
  const parts = parseBlend(voice);
  if ('problem' in parts) throw new CastError(`the blend "${voice}" ${parts.problem}`, line);
  return canonicalBlend(parts);
}

function pauseMs(value: string, tag: string, line: number): number {
  const match = DURATION.exec(value);
  if (!match) throw new CastError(`${tag} is not a pause: write [pause:1.5s] or [pause:500ms]`, line);
  const ms = Math.round(Number(match[1]) * (match[2]!.toLowerCase() === 's' ? 1000 : 1));
  if (ms > MAX_PAUSE_MS) throw new CastError(`${tag} is longer than ${MAX_PAUSE_MS / 1000} s`, line);
  return ms;
}

function indexOf<T>(table: T[], value: T, what: string, line: number): number {
  const found = table.indexOf(value);
  if (found >= 0) return found;
  if (table.length >= MAX_TAGGED) throw new CastError(`more than ${MAX_TAGGED} different ${what} in one text`, line);
  return table.push(value) - 1;
}

/** The text's own private-use characters would read as marks: nothing an engine can say is lost. */
const ownText = (text: string) => text.replace(PRIVATE_USE, '');

function countLines(text: string, from: number, to: number): number {
  let lines = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}
