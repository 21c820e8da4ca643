// ffmpeg's metadata file (FFMETADATA1): tags and chapters, handed to the muxer, which writes them
// as the format wants (MP4 chapter atoms, ID3v2 CHAP/CTOC frames).

export interface Tags {
  title?: string;
  author?: string;
  /** The book, when the file is one of its chapters (default: the title). */
  album?: string;
  /** "3/12": the file's place among the book's files. */
  track?: string;
}

/** A chapter in output frames, [start, end). */
export interface FrameChapter {
  title: string;
  startFrame: number;
  endFrame: number;
}

export function ffmetadata(tags: Tags, chapters: FrameChapter[], sampleRate: number): string {
  const lines = [';FFMETADATA1'];
  if (tags.title) lines.push(`title=${escapeValue(tags.title)}`);
  if (tags.album ?? tags.title) lines.push(`album=${escapeValue((tags.album ?? tags.title)!)}`);
  if (tags.track) lines.push(`track=${escapeValue(tags.track)}`);
  if (tags.author) lines.push(`artist=${escapeValue(tags.author)}`, `album_artist=${escapeValue(tags.author)}`);
  if (tags.title || tags.author) lines.push('genre=Audiobook');
  for (const chapter of chapters) {
    // Timed in samples: the marks fall on the exact sample the chapter's first chunk starts at.
    lines.push(
      '[CHAPTER]',
      `TIMEBASE=1/${sampleRate}`,
      `START=${chapter.startFrame}`,
      `END=${chapter.endFrame}`,
      `title=${escapeValue(chapter.title)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The format's special characters ("=", ";", "#", "\" and line breaks) are escaped with "\". */
function escapeValue(value: string): string {
  return value.replace(/[=;#\\\r\n]/gu, (c) => `\\${c}`);
}
