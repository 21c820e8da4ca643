// What a read-along book is made of: its metadata, and chapters of text whose every sentence is
// timed in the chapter's audio. The EPUB writer (index.ts) turns it into files.

export interface TimedText {
  text: string;
  startMs: number;
  endMs: number;
}

export interface ReadAlongSentence extends TimedText {
  /** The last sentence of its paragraph: the next one starts a new paragraph. */
  paragraphEnd?: boolean;
}

export interface ReadAlongChapter {
  title: string;
  /** The chapter's audio, an MP3 file; its sentences' times are in it. */
  audioPath: string;
  durationMs: number;
  sentences: ReadAlongSentence[];
}

export interface ReadAlongBook {
  /** A urn:uuid: the same document gets the same identifier. */
  identifier: string;
  title: string;
  author?: string;
  /** BCP 47, e.g. "en". */
  language: string;
  /** The voice that reads it. */
  narrator?: string;
  description?: string;
  modified: Date;
  cover?: { bytes: Uint8Array; mediaType: 'image/jpeg' | 'image/png' };
  chapters: ReadAlongChapter[];
}

/** Where each part of the book lives inside the EPUB, and the ids that tie them together. */
export function chapterNames(index: number) {
  const n = String(index + 1).padStart(3, '0');
  return {
    id: `c${n}`,
    text: `text/c${n}.xhtml`,
    overlayId: `mo-c${n}`,
    overlay: `smil/c${n}.smil`,
    audioId: `audio-c${n}`,
    audio: `audio/c${n}.mp3`,
    sentenceId: (sentence: number) => `c${n}-s${sentence + 1}`,
  };
}

/** The class a reader puts on the sentence being read (the name Apple's guide and Storyteller use). */
export const ACTIVE_CLASS = '-epub-media-overlay-active';
export const STYLESHEET = 'styles/read-along.css';
export const NAV = 'nav.xhtml';
