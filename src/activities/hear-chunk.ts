// hearChunk: a chunk's audio heard back by the speech recognizer and compared with its text.
// Its own activity, not part of synthesizeChunk's: any worker can hear any chunk (a Replicate
// worker's slots stay for waiting on predictions), the workflow decides on a new take in its
// history, and a heard take is kept in the store, so a rerun does not hear it again.

import { ApplicationFailure, Context } from '@temporalio/activity';
import { decodeWav } from '../audio/wav.ts';
import { recordHearing } from '../metrics/index.ts';
import { RECOGNIZER_MODEL, type Recognizer, RecognizerDownloadError, RecognizerModelError, wordErrorRate } from '../recognizer/index.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { loadHearing, storeHearing } from '../storage/chunk-hearing.ts';
import type { HearChunkInput, HeardChunk } from './types.ts';

export function createHearChunk({ blobStore, recognizer }: { blobStore: BlobStore; recognizer: Recognizer }) {
  return async function hearChunk({ uri, sha256, text, maxWordErrorRate }: HearChunkInput): Promise<HeardChunk> {
    let heard = await loadHearing(blobStore, RECOGNIZER_MODEL, sha256);
    if (heard === undefined) {
      // Beats while it waits its turn and hears: a dead worker's chunk is heard elsewhere within seconds.
      const beating = setInterval(() => Context.current().heartbeat(), 1_000);
      try {
        heard = await recognizer.hear(decodeWav(await blobStore.get(uri)));
      } catch (error) {
        // No pip, or a file that fails its pin: no retry can fix that (a failed download may pass later).
        if (error instanceof RecognizerModelError && !(error instanceof RecognizerDownloadError))
          throw ApplicationFailure.nonRetryable(error.message, 'RecognizerUnavailable');
        throw error;
      } finally {
        clearInterval(beating);
      }
      await storeHearing(blobStore, RECOGNIZER_MODEL, sha256, heard);
    }
    const wer = Math.round(wordErrorRate(text, heard) * 1000) / 1000;
    recordHearing(wer <= maxWordErrorRate);
    return { wordErrorRate: wer, heard };
  };
}
