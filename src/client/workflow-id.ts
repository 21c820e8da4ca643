// Workflow ids derive from the document: speaking the same text with the same settings again
// finds the earlier run instead of paying for the audio twice.

import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import type { AudioDocumentInput } from '../document/input.ts';

export function documentWorkflowId(file: string, input: AudioDocumentInput, forceNew = false): string {
  const hash = createHash('sha256').update(JSON.stringify(input)).digest('hex').slice(0, 16);
  const stem = basename(file, extname(file)).replace(/[^\w-]+/gu, '-').slice(0, 40) || 'document';
  return `${stem}-${hash}${forceNew ? `-${Date.now().toString(36)}` : ''}`;
}
