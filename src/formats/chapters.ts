// Chapters: each starts where its first chunk's first sample landed (the first one at 0, so any
// opening before the first heading belongs to it) and lasts until the next.

import type { Chapter, ChapterStart } from '../contract/reports.ts';
import type { FrameChapter } from './ffmetadata.ts';
import type { PlacedChunk } from './placed-chunk.ts';

export function placeChapters(starts: ChapterStart[], placed: PlacedChunk[], totalFrames: number): FrameChapter[] {
  const startFrame = (chunk: number) => placed.find((p) => p.index === chunk)?.startFrame ?? 0;
  return starts.map((start, i) => ({
    title: start.title,
    startFrame: i === 0 ? 0 : startFrame(start.chunk),
    endFrame: i + 1 < starts.length ? startFrame(starts[i + 1]!.chunk) : totalFrames,
  }));
}

export function chapterList(chapters: FrameChapter[], sampleRate: number): Chapter[] {
  const ms = (frame: number) => Math.round((frame * 1000) / sampleRate);
  return chapters.map((c) => ({ title: c.title, startMs: ms(c.startFrame), durationMs: ms(c.endFrame) - ms(c.startFrame) }));
}

/**
 * At most `max` marks: consecutive chapters grouped evenly, each group titled "first – last" and
 * spanning them all. An MP3's ID3 table of contents counts its entries in one byte (ffmpeg: 255).
 */
export function groupChapters(chapters: FrameChapter[], max: number): FrameChapter[] {
  if (chapters.length <= max) return chapters;
  const size = Math.ceil(chapters.length / max);
  const groups: FrameChapter[] = [];
  for (let i = 0; i < chapters.length; i += size) {
    const first = chapters[i]!;
    const last = chapters[Math.min(chapters.length, i + size) - 1]!;
    groups.push({
      title: first === last ? first.title : `${first.title} – ${last.title}`,
      startFrame: first.startFrame,
      endFrame: last.endFrame,
    });
  }
  return groups;
}
