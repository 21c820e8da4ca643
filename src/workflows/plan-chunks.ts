// A run of chunks read back from the stored plan: their texts, and for a cast document each one's
// voice. A document without a cast reads exactly as it always did (one readChunks call).

import type { Activities } from '../activities/index.ts';
import type { ContentRef } from '../contract/refs.ts';

type Readers = Pick<Activities, 'readChunks' | 'readCastChunks'>;

export async function readPlanChunks(
  { readChunks, readCastChunks }: Readers,
  span: { plan: ContentRef; from: number; to: number },
  cast: boolean,
): Promise<{ texts: string[]; voices?: Array<string | null> }> {
  return cast ? readCastChunks(span) : { texts: await readChunks(span) };
}
