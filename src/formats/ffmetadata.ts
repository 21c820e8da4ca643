// ffmpeg's metadata file (FFMETADATA1): tags and chapters, handed to the muxer, which writes them
// as the format wants (MP4 chapter atoms, ID3v2 CHAP/CTOC frames). The book's tags are the ones
// Audiobookshelf reads (and its own embedder writes): composer is the narrator, grouping the series.

export interface Tags {
  title?: string;
  author?: string;
  /** The book, when the file is one of its chapters (default: the title). */
  album?: string;
  /** "3/12": the file's place among the book's files. */
  track?: string;
  narrator?: string;
  description?: string;
  language?: string;
  series?: string;
  seriesPart?: string;
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
  if (tags.narrator) lines.push(`composer=${escapeValue(tags.narrator)}`);
  if (tags.description) lines.push(`description=${escapeValue(tags.description)}`, `comment=${escapeValue(tags.description)}`);
  if (tags.language) lines.push(`language=${escapeValue(tags.language)}`);
  if (tags.series) {
    const series = seriesName(tags.series, tags.seriesPart);
    lines.push(`grouping=${escapeValue(series)}`, `series=${escapeValue(tags.series)}`);
    if (tags.seriesPart) lines.push(`series-part=${escapeValue(tags.seriesPart)}`);
  }
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

/** "Name #2", as Audiobookshelf writes and parses a series with its place in it. */
export function seriesName(series: string, part?: string): string {
  return part ? `${series} #${part}` : series;
}

/** The format's special characters ("=", ";", "#", "\" and line breaks) are escaped with "\". */
function escapeValue(value: string): string {
  return value.replace(/[=;#\\\r\n]/gu, (c) => `\\${c}`);
}
