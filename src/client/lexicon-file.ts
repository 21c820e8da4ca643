// --lexicon FILE (or LEXICON_FILE): a JSON object of "word or phrase" -> how to say it. Read by the
// client, so the entries travel in the document's input; each entry is checked with the rest of it.

import { readFile } from 'node:fs/promises';
import { type Lexicon, parseLexicon } from '../text/lexicon.ts';

export async function readLexiconFile(path: string): Promise<Lexicon> {
  let json: string;
  try {
    json = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the pronunciation dictionary "${path}": ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  try {
    return parseLexicon(json);
  } catch (error) {
    throw new Error(`the pronunciation dictionary "${path}" ${(error as Error).message}`);
  }
}
