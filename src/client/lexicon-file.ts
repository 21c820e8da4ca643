// --lexicon FILE (or LEXICON_FILE): a JSON object of "word or phrase" -> how to say it. Read by the
// client, so the entries travel in the document's input; each entry is checked with the rest of it.

import { readFile } from 'node:fs/promises';
import type { Lexicon } from '../text/lexicon.ts';

export async function readLexiconFile(path: string): Promise<Lexicon> {
  let json: string;
  try {
    json = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the pronunciation dictionary "${path}": ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`the pronunciation dictionary "${path}" is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(
      `the pronunciation dictionary "${path}" must be a JSON object, e.g. {"circumvention": "sir come VEN shun", "Nguyen": "/wɪn/"}`,
    );
  }
  return value as Lexicon;
}
