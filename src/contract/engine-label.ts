// How a pinned engine is shown to people (`client status`, the result, the API, the page):
// `engine model@version voice`, a hash version cut to 12 characters as git cuts commit ids.

import type { EnginePin } from './input-schema.ts';

/** `kokoro kokoro-v1.0.fp32.onnx@3f2a9c1b7d0e af_heart` */
export function engineLabel(pin: EnginePin): string {
  return `${modelLabel(pin)} ${pin.voice ?? 'default voice'}`;
}

/** `replicate jaaari/kokoro-82m@f559560eb822`: the engine without the voice. */
export function modelLabel({ engine, model, version }: Pick<EnginePin, 'engine' | 'model' | 'version'>): string {
  const shortVersion = /^[0-9a-f]{40,}$/u.test(version) ? version.slice(0, 12) : version;
  return `${engine} ${model}@${shortVersion}`;
}
