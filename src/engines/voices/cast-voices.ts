// Every voice a document names — its voice, its dialogue voice, its voice map, the [voice:…] tags
// in its text — checked against the engine's voices before anything starts, so a misspelt name
// fails at once, naming where it is, not when its first chunk reaches the engine.

import { CastError, castChunks, readTags } from '../../cast/index.ts';
import type { EngineName } from '../../contract/input-schema.ts';
import { checkVoice } from './index.ts';

/** The fields of a document's input that name voices (an AudioDocumentInput is one). */
export interface CastedDocument {
  /** Absent: eSpeak, the schema's default. */
  engine?: EngineName;
  text?: string;
  voice?: string;
  dialogueVoice?: string;
  chapterVoices?: Record<string, string>;
  maxChunkChars?: number;
}

/** What is wrong with a document's voices: the input field, and the message naming where (a line, a key). */
export interface VoiceProblem {
  field: 'voice' | 'dialogueVoice' | 'chapterVoices' | 'text';
  message: string;
}

/** Why the document's voices cannot be spoken by its engine (the first problem found), or undefined. */
export async function castVoicesProblem(document: CastedDocument, env: NodeJS.ProcessEnv = process.env): Promise<VoiceProblem | undefined> {
  const { engine = 'espeak', text, voice, dialogueVoice, chapterVoices } = document;
  const named: Array<{ voice: string; where: string; field: VoiceProblem['field'] }> = [
    ...(voice ? [{ voice, where: 'voice', field: 'voice' as const }] : []),
    ...(dialogueVoice ? [{ voice: dialogueVoice, where: 'dialogueVoice', field: 'dialogueVoice' as const }] : []),
    ...Object.entries(chapterVoices ?? {}).map(([key, value]) => ({
      voice: value,
      where: `chapterVoices["${key}"]`,
      field: 'chapterVoices' as const,
    })),
  ];
  try {
    if (text !== undefined) {
      named.push(
        ...readTags(text).named.map(({ voice: tagged, line }) => ({ voice: tagged, where: `line ${line}`, field: 'text' as const })),
      );
      // A voice map's keys name chapters: only the chapters the text has.
      if (chapterVoices)
        castChunks(text, { ...(document.maxChunkChars ? { maxChunkChars: document.maxChunkChars } : {}) }, { chapterVoices });
    }
  } catch (error) {
    if (error instanceof CastError) return { field: error.line === undefined ? 'chapterVoices' : 'text', message: error.message };
    throw error;
  }
  const checked = new Map<string, string | undefined>();
  for (const { voice: name, where, field } of named) {
    if (!checked.has(name)) {
      const result = await checkVoice(engine, name, env);
      checked.set(name, 'problem' in result ? result.problem : undefined);
    }
    const problem = checked.get(name);
    if (problem) return { field, message: `${where}: ${problem}` };
  }
  return undefined;
}
