// The marks (src/text/marks.ts) the cast puts in a text: each is one private-use character.
// A voice mark says which tagged voice speaks from here on (0: none, the narrator again), a pause
// mark which of the text's pauses comes here, and the dialogue marks where a quotation opens and
// closes. States rather than changes: a mark lost with its markup (inside a link's address) cannot
// shift the ones after it.

const VOICE_BASE = 0xe000;
const PAUSE_BASE = 0xe800;
export const DIALOGUE_OPEN = '\uf000';
export const DIALOGUE_CLOSE = '\uf001';
/** Distinct voices (and distinct pauses) a text may tag. */
export const MAX_TAGGED = 0x7ff;

/** Every private-use character: a text's own are removed before marks go in. */
export const PRIVATE_USE = /[\uE000-\uF8FF]/gu;

export const voiceMark = (state: number): string => String.fromCharCode(VOICE_BASE + state);
export const pauseMark = (index: number): string => String.fromCharCode(PAUSE_BASE + index);

export type CastMark =
  | { kind: 'voice'; state: number }
  | { kind: 'pause'; index: number }
  | { kind: 'dialogue'; open: boolean }
  | { kind: 'unknown' };

export function readMark(mark: string): CastMark {
  const code = mark.charCodeAt(0);
  if (mark === DIALOGUE_OPEN || mark === DIALOGUE_CLOSE) return { kind: 'dialogue', open: mark === DIALOGUE_OPEN };
  if (code >= VOICE_BASE && code <= VOICE_BASE + MAX_TAGGED) return { kind: 'voice', state: code - VOICE_BASE };
  if (code >= PAUSE_BASE && code < PAUSE_BASE + MAX_TAGGED) return { kind: 'pause', index: code - PAUSE_BASE };
  return { kind: 'unknown' };
}
