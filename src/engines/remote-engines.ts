// The engines behind a provider, enabled by their settings: Replicate with REPLICATE_API_TOKEN, an
// OpenAI-compatible speech server with OPENAI_BASE_URL or OPENAI_API_KEY.

import { type OpenAiConfig, openAiConfig } from './openai/openai-config.ts';
import { type ReplicateConfig, replicateConfig } from './replicate/replicate-config.ts';

/** The settings that enable each remote engine on a worker, as a person sets them. */
export const REMOTE_ENGINE_SETTINGS = { replicate: 'REPLICATE_API_TOKEN', openai: 'OPENAI_BASE_URL or OPENAI_API_KEY' } as const;

export function remoteEngineConfigs(env = process.env): { replicate?: ReplicateConfig; openai?: OpenAiConfig } {
  const replicate = replicateConfig(env);
  const openai = openAiConfig(env);
  return { ...(replicate ? { replicate } : {}), ...(openai ? { openai } : {}) };
}
