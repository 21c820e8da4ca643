// Before a document starts, every voice it names (its voice, dialogue voice, voice map and the
// [voice:…] tags of its text) must be one its engine has: a misspelt name fails here, naming where
// it is, instead of at its first chunk.

import type { AudioDocumentInput } from '../document/input.ts';
import { castVoicesProblem } from '../engines/voices/cast-voices.ts';

export async function checkVoices(input: AudioDocumentInput, text: string, env = process.env): Promise<void> {
  // A stored text (a book) is not in the input: it is checked as read.
  const problem = await castVoicesProblem({ ...input, text }, env);
  if (problem) throw new InvalidVoiceError(problem.message);
}

export class InvalidVoiceError extends Error {
  override name = 'InvalidVoiceError';
  constructor(problem: string) {
    super(`Invalid input: ${problem}`);
  }
}
