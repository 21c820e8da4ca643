// Workflow ids derive from the document: speaking the same text with the same settings again
// finds the earlier run instead of paying for the audio twice.

import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import type { AudioDocumentInput } from '../document/input.ts';
import { STDIN } from './document-options.ts';

export interface WorkflowIdOptions {
  /** A new id every time (`client speak --new`). */
  forceNew?: boolean;
  /**
   * Anything else that tells two runs of the same input apart, e.g. the main job's output
   * directory: the same text spoken into two directories is two documents.
   */
  scope?: string;
}

/** `<file stem>-<16 hex of the input's hash>`; text read from stdin (`-`) is named "stdin". */
export function documentWorkflowId(file: string, input: AudioDocumentInput, options: WorkflowIdOptions = {}): string {
  const hash = createHash('sha256')
    .update(JSON.stringify(input))
    .update(options.scope === undefined ? '' : `\0${options.scope}`)
    .digest('hex')
    .slice(0, 16);
  const stem =
    file === STDIN
      ? 'stdin'
      : basename(file, extname(file))
          .replace(/[^\w-]+/gu, '-')
          .slice(0, 40) || 'document';
  return `${stem}-${hash}${options.forceNew ? `-${Date.now().toString(36)}` : ''}`;
}
