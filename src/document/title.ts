// What a list shows for a document when nobody named it: the first line of its text.

const MAX_TITLE_CHARS = 80;

/** The first non-empty line of a text, shortened. */
export function titleFromText(text: string): string {
  const line =
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? '';
  return line.length > MAX_TITLE_CHARS ? `${line.slice(0, MAX_TITLE_CHARS - 1)}…` : line;
}
