// A chunk's loudness record (src/audio/levels.ts), kept in the store by its audio's sha256 beside
// what the recognizer heard: any request that maps to the same audio bytes finds it, and the stitch
// derives its key from the ChunkRef's sha256, so nothing new passes through Temporal.

import { type ChunkLevels, computeLevels, LEVELS_VERSION, LevelsRecordError, parseLevels, serializeLevels } from '../audio/levels.ts';
import { decodeWav } from '../audio/wav.ts';
import type { BlobStore } from './blob-store.ts';
import { mapAtMost } from './map-at-most.ts';
import { loadContent } from './stored-content.ts';

export const levelsKey = (audioSha256: string) => `levels/v${LEVELS_VERSION}/${audioSha256.slice(0, 2)}/${audioSha256}.lvl`;

/** The record of the audio with this sha256 (and size, when known); undefined when missing, torn or of other audio. */
export async function loadChunkLevels(
  blobStore: BlobStore,
  audio: { audioSha256: string; audioBytes?: number },
): Promise<ChunkLevels | undefined> {
  const uri = await blobStore.find(levelsKey(audio.audioSha256));
  if (uri === undefined) return undefined;
  try {
    return parseLevels(await blobStore.get(uri), audio);
  } catch (error) {
    if (error instanceof LevelsRecordError) return undefined; // counts as missing: measured again
    throw error;
  }
}

/**
 * Stores the record unless one is there. A record that does not parse (torn by a crash) is replaced:
 * the first write wins in the store, so it must go first.
 */
export async function storeChunkLevels(blobStore: BlobStore, levels: ChunkLevels): Promise<void> {
  const key = levelsKey(levels.audioSha256);
  const bytes = serializeLevels(levels);
  const stored = await blobStore.put(key, bytes, { derived: true });
  if (stored.bytes === bytes) return;
  try {
    parseLevels(stored.bytes, levels);
  } catch (error) {
    if (!(error instanceof LevelsRecordError)) throw error;
    await blobStore.remove(key);
    await blobStore.put(key, bytes, { derived: true });
  }
}

/** Records this process is still measuring, or storing, by audio sha256: a stitch here waits for them. */
const measuring = new Map<string, Promise<unknown>>();
const storing = new Map<string, Promise<void>>();

/**
 * Stores the record once it is measured, without holding up the caller (the chunk's activity
 * returns meanwhile). Best effort, like every record: `onError` hears why one was not stored.
 */
export function storeChunkLevelsLater(
  blobStore: BlobStore,
  levels: Promise<ChunkLevels>,
  audioSha256: string,
  onError: (error: unknown) => void,
): void {
  const measured = levels
    .then((record) => remember(blobStore, record))
    .catch(() => {}) // heard below
    .finally(() => {
      if (measuring.get(audioSha256) === measured) measuring.delete(audioSha256);
    });
  const stored = levels
    .then((record) => storeChunkLevels(blobStore, record))
    .catch(onError)
    .finally(() => {
      if (storing.get(audioSha256) === stored) storing.delete(audioSha256);
    });
  measuring.set(audioSha256, measured);
  storing.set(audioSha256, stored);
}

/** How many records each store keeps in memory (about 8 KB each for a chunk of 20 s): a long document's last ones. */
const RECENT_RECORDS = 1024;

/**
 * The records this process measured lately, by the store they went to and their audio's sha256: a
 * stitch in this process takes them from here, without a lookup and a read per chunk in the store.
 */
const recent = new WeakMap<BlobStore, Map<string, ChunkLevels>>();

function remember(blobStore: BlobStore, record: ChunkLevels): void {
  const records = recent.get(blobStore) ?? new Map<string, ChunkLevels>();
  recent.set(blobStore, records);
  records.delete(record.audioSha256);
  records.set(record.audioSha256, record);
  if (records.size > RECENT_RECORDS) records.delete(records.keys().next().value!);
}

/** Once every record this process was storing is stored (or failed). */
export async function chunkLevelsStored(): Promise<void> {
  await Promise.all(storing.values());
}

/** Records looked up at once, and chunks measured at once when theirs is missing. */
const LOOKUPS_AT_ONCE = 16;
const MEASURED_AT_ONCE = 2;

/**
 * Every chunk's record, by chunk index. A chunk without one (a store older than the records, or a
 * record lost) is read, checked against its ref's hash, measured, and its record stored back, best
 * effort: the stitch goes on with the measurement either way. ContentChangedError if its audio changed.
 */
export async function chunkLevels(
  blobStore: BlobStore,
  chunks: ReadonlyArray<{ index: number; uri: string; sha256: string }>,
  beat: () => void = () => {},
): Promise<Map<number, ChunkLevels>> {
  // A record measured here for this store is taken from memory; one for another store, once stored.
  await Promise.all(
    chunks.map(async ({ sha256 }) => {
      await measuring.get(sha256);
      if (!recent.get(blobStore)?.has(sha256)) await storing.get(sha256);
    }),
  );
  const inMemory = recent.get(blobStore);
  const found = await mapAtMost(
    chunks,
    LOOKUPS_AT_ONCE,
    async (chunk) => inMemory?.get(chunk.sha256) ?? loadChunkLevels(blobStore, { audioSha256: chunk.sha256 }),
  );
  const missing = chunks.filter((_, i) => found[i] === undefined);
  const measured = await mapAtMost(missing, MEASURED_AT_ONCE, async (chunk) => {
    beat();
    const bytes = await loadContent(blobStore, chunk, `chunk ${chunk.index} (${chunk.uri})`);
    const levels = computeLevels(decodeWav(bytes), { audioSha256: chunk.sha256, audioBytes: bytes.length });
    await storeChunkLevels(blobStore, levels).catch(() => {}); // derived data: the next stitch measures again
    return levels;
  });
  const levels = new Map<number, ChunkLevels>();
  for (const [i, chunk] of chunks.entries()) if (found[i]) levels.set(chunk.index, found[i]);
  for (const [i, chunk] of missing.entries()) levels.set(chunk.index, measured[i]!);
  return levels;
}
