// Where a finished document's file is, for this server: found from its result (never from a path
// in a request), in S3 or in the output directory it shares with the workers.

import { relative, resolve, sep } from 'node:path';
import type { AudioDocumentResult } from '../contract/result.ts';
import { defaultOutputName } from '../document/input.ts';
import { HttpProblem } from './problem.ts';

/**
 * Where a result's file is: in S3 (AUDIO_OUTPUT_URL), in the audiobook library, or in the output
 * directory this server shares with the workers.
 */
export function resultLocation(root: string, result: AudioDocumentResult, id: string, library?: string): string {
  if (result.uri?.startsWith('s3://')) return result.uri;
  const written = result.path ? resolve(result.path) : undefined;
  if (library && written?.startsWith(library + sep)) return written;
  return outputPath(root, result, id);
}

/** The output file of a result in this server's output directory (the one the workers share). */
function outputPath(root: string, result: AudioDocumentResult, id: string): string {
  // Where the worker wrote it, when that is inside our directory (same machine or same mount);
  // else its name there; results from before `name` existed fall back to the default name.
  const written = result.path ? resolve(result.path) : undefined;
  const name = written?.startsWith(root + sep) ? relative(root, written) : (result.name ?? defaultOutputName(id));
  const path = resolve(root, name);
  if (!path.startsWith(root + sep)) throw new HttpProblem(404, `the audio of document ${id} is not in this server's output directory`);
  return path;
}
