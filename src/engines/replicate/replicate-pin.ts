// A Replicate document is pinned to one model version and the input shape it is called with: any
// worker with a token can then speak it, whatever REPLICATE_MODEL that worker was started with.
// The pin is in the history and the result: it holds the API's address without any credentials in
// it, and only a hash of REPLICATE_INPUT_JSON (which the workers must agree on).

import { createHash } from 'node:crypto';
import type { EnginePin } from '../../contract/input-schema.ts';
import type { ReplicateConfig } from './replicate-config.ts';

export const REPLICATE_API = 'https://api.replicate.com/v1';

/** What a pinned document calls: the model version and the fields of its input. */
export interface PinnedModel {
  model: string;
  version: string;
  textField: string;
  voiceField: string;
  speedField: string;
  outputField?: string;
}

/** The pin's settings: everything of the worker's config that decides the audio (the token never). */
export function replicatePinSettings(config: ReplicateConfig): Record<string, unknown> {
  const { baseUrl, textField, voiceField, speedField, outputField } = config;
  // The address too: a local fake's tones must never be reused as the real model's audio.
  return {
    api: withoutCredentials(baseUrl ?? REPLICATE_API),
    textField,
    voiceField,
    speedField,
    ...(outputField ? { outputField } : {}),
    inputSha256: extraInputHash(config),
  };
}

/** REPLICATE_INPUT_JSON as the pin holds it: its hash (it could hold a key of some model's). */
export const extraInputHash = ({ extraInput }: Pick<ReplicateConfig, 'extraInput'>) =>
  createHash('sha256').update(JSON.stringify(extraInput)).digest('hex');

function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/u, '');
  } catch {
    return url;
  }
}

export function pinnedModel(pin: EnginePin): PinnedModel {
  const settings = (pin.settings ?? {}) as Partial<Record<string, unknown>>;
  const field = (name: string, fallback: string) => (typeof settings[name] === 'string' ? (settings[name] as string) : fallback);
  return {
    model: pin.model,
    version: pin.version,
    textField: field('textField', 'text'),
    voiceField: field('voiceField', 'voice'),
    speedField: field('speedField', 'speed'),
    ...(typeof settings.outputField === 'string' ? { outputField: settings.outputField } : {}),
  };
}

export const pinnedApi = (pin: EnginePin) => String(pin.settings?.api ?? REPLICATE_API);
