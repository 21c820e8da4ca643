// A chunk's text as an engine is to say it: each dictionary entry's span replaced by what the
// engine understands (a respelling, eSpeak's [[phonemes]], Kokoro markup). The words the engine
// times in that text are mapped back to the text as written, so captions keep the written word.

import type { WordTiming } from '../contract/audio.ts';
import { type Lexicon, type PronouncedSpan, pronouncedSpans } from './lexicon.ts';

export interface Respelled {
  /** What the engine is given. */
  text: string;
  /** Where each span landed in `text`. */
  spans: Array<PronouncedSpan & { spokenIndex: number; spokenLength: number }>;
  /** The engine's words (offsets in `text`) as words of the written text: a span's words become the one written word. */
  toWritten(words: WordTiming[]): WordTiming[];
}

export function respell(text: string, spans: readonly PronouncedSpan[], render: (span: PronouncedSpan) => string): Respelled {
  let spoken = '';
  let at = 0;
  const placed: Respelled['spans'] = [];
  for (const span of spans) {
    spoken += text.slice(at, span.index);
    const said = render(span);
    placed.push({ ...span, spokenIndex: spoken.length, spokenLength: said.length });
    spoken += said;
    at = span.index + span.length;
  }
  spoken += text.slice(at);
  return { text: spoken, spans: placed, toWritten: (words) => toWritten(words, placed) };
}

function toWritten(words: WordTiming[], spans: Respelled['spans']): WordTiming[] {
  if (spans.length === 0) return words;
  const out: WordTiming[] = [];
  let merged: { span: Respelled['spans'][number]; word: WordTiming } | undefined;
  for (const word of words) {
    const span = spans.find((s) => word.index >= s.spokenIndex && word.index < s.spokenIndex + s.spokenLength);
    if (span) {
      if (merged?.span === span) merged.word.end = Math.max(merged.word.end, word.end);
      else {
        merged = { span, word: { text: span.written, index: span.index, start: word.start, end: word.end } };
        out.push(merged.word);
      }
      continue;
    }
    merged = undefined;
    // Outside every span: shifted by what the spans before it changed in length.
    const shift = spans.filter((s) => s.spokenIndex + s.spokenLength <= word.index).reduce((sum, s) => sum + s.length - s.spokenLength, 0);
    out.push({ ...word, index: word.index + shift });
  }
  return out;
}

/** The text as a listener hears it said: each entry's respelling in place of what is written (IPA entries keep the written word). */
export function saidText(text: string, lexicon: Lexicon | undefined): string {
  return respell(text, pronouncedSpans(text, lexicon), (span) => span.say ?? span.written).text;
}
