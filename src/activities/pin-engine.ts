// pinEngine: the engine a document is spoken by, fixed on a worker when the client could not tell
// (e.g. Replicate's token only on the workers). Its result stays in the history: every chunk,
// and a rerun of the workflow, uses that pin, whatever the workers are configured with later.

import { ApplicationFailure, Context } from '@temporalio/activity';
import type { EngineName, EnginePin } from '../contract/input-schema.ts';
import { PermanentEngineError } from '../engines/engine.ts';
import type { SynthesizeDeps } from './synthesize-chunk.ts';
import type { PinEngineInput } from './types.ts';

export function createPinEngine({ engines }: Pick<SynthesizeDeps, 'engines'>) {
  return async function pinEngine({ engine: name, voice }: PinEngineInput): Promise<EnginePin> {
    const engine = engines[name as EngineName];
    if (!engine) throw ApplicationFailure.nonRetryable(`engine "${name}" is not enabled on this worker`, 'EngineUnavailable');
    try {
      return await engine.pin(voice, Context.current().cancellationSignal);
    } catch (error) {
      if (error instanceof PermanentEngineError) throw ApplicationFailure.nonRetryable(error.message, error.type);
      throw error;
    }
  };
}
