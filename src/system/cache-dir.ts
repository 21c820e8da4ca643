// Where built programs and downloaded models are kept: outside the repository, shared by every
// checkout on the machine.

import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheDir(env = process.env): string {
  return env.DURABLE_TTS_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'durable-tts');
}
