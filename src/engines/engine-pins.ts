// The pin a client can work out before it starts a document (so that the pin is part of the
// workflow id): the engines' own rules, from this process's settings. Undefined when only a
// worker can tell (Replicate without a token here): the workflow then pins it on a worker.

import type { EngineName, EnginePin } from '../contract/input-schema.ts';
import { espeakPin } from './espeak/espeak-engine.ts';
import { kokoroPin } from './kokoro/kokoro-engine.ts';
import { openAiConfig } from './openai/openai-config.ts';
import { openAiPin } from './openai/openai-engine.ts';
import { replicateConfig } from './replicate/replicate-config.ts';
import { ReplicateEngine } from './replicate/replicate-engine.ts';
import { simulatedPin } from './simulated.ts';

export async function resolveEnginePin(
  engine: EngineName,
  voice: string | undefined,
  env = process.env,
  signal = AbortSignal.timeout(60_000),
): Promise<EnginePin | undefined> {
  switch (engine) {
    case 'espeak':
      return espeakPin(voice);
    case 'kokoro':
      return kokoroPin(voice);
    case 'simulated':
      return simulatedPin(voice);
    case 'openai': {
      const config = openAiConfig(env);
      return config ? openAiPin(config, voice) : undefined;
    }
    case 'replicate': {
      const config = replicateConfig(env);
      return config ? new ReplicateEngine(config).pin(voice, signal) : undefined;
    }
  }
}
