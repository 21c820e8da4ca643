// A client pins the engine before it starts a document, when this process can tell which model
// version the engine runs: the pin is then part of the input, so of the workflow id, and changing
// REPLICATE_MODEL makes a new document instead of finding the old one's audio.

import type { AudioDocumentInput } from '../document/input.ts';
import { resolveEnginePin } from '../engines/engine-pins.ts';

/** Sets `input.pin` unless it is set or only a worker can tell (then the workflow pins it there). */
export async function pinEngine(input: AudioDocumentInput, env = process.env): Promise<void> {
  if (input.pin) return;
  const pin = await resolveEnginePin(input.engine ?? 'espeak', input.voice || undefined, env);
  if (pin) input.pin = pin;
}
