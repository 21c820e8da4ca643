// Options given as files, read by the client so that what they hold travels in the document's input
// (and is checked with the rest of it): --lexicon FILE (or LEXICON_FILE), a JSON object of "word or
// phrase" -> how to say it, and --voices FILE, a JSON object of chapter number or title -> voice.

import { readFile } from 'node:fs/promises';
import type { ChapterVoices } from '../cast/index.ts';
import { type Lexicon, parseLexicon } from '../text/lexicon.ts';

export const readLexiconFile = (path: string): Promise<Lexicon> => readOptionFile(path, 'pronunciation dictionary', parseLexicon);

export const readVoiceMapFile = (path: string): Promise<ChapterVoices> => readOptionFile(path, 'voice map', parseVoiceMap);

async function readOptionFile<T>(path: string, what: string, parse: (json: string) => T): Promise<T> {
  let json: string;
  try {
    json = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the ${what} "${path}": ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  try {
    return parse(json);
  } catch (error) {
    throw new Error(`the ${what} "${path}" ${(error as Error).message}`);
  }
}

/** `{ "1": "af_heart", "The Storm": "bm_george" }`: chapter number (from 1) or title -> voice. */
function parseVoiceMap(json: string): ChapterVoices {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new Error(`is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('must be a JSON object of chapter number or title -> voice, e.g. {"1": "af_heart", "The Storm": "bm_george"}');
  for (const [key, voice] of Object.entries(parsed)) {
    if (typeof voice !== 'string' || voice.trim() === '')
      throw new Error(`gives chapter "${key}" ${JSON.stringify(voice)}, not a voice name`);
  }
  return parsed as ChapterVoices;
}
