// A local engine speaks only the model it has: a document pinned to another model file or build
// is refused by name, never spoken with what this worker happens to have.

import { modelLabel } from '../contract/engine-label.ts';
import type { EnginePin } from '../contract/input-schema.ts';

/** Undefined when `own` (this worker's engine) speaks documents pinned to `pin`; else why not, naming both. */
export function localPinMismatch(own: Omit<EnginePin, 'voice'>, pin: EnginePin): string | undefined {
  const same = (a: Omit<EnginePin, 'voice'>) => JSON.stringify([a.engine, a.model, a.version, a.settings ?? {}]);
  if (same(own) === same(pin)) return undefined;
  // The same model under other settings (our phoneme pipeline changed): say which.
  const label = (p: Omit<EnginePin, 'voice'>) =>
    modelLabel(p) + (modelLabel(pin) === modelLabel(own) ? ` ${JSON.stringify(p.settings ?? {})}` : '');
  return (
    `this document was started with ${label(pin)}, but this worker has ${label(own)}: ` +
    'run a worker with that model, or start the document again (--new) to speak it with this one'
  );
}
