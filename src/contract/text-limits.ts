// Limits of how a text is cut, shared by the input's schema and the text layer that applies them.

/** How a URL is read: its host ("example.com") or the word "link". */
export type LinkReading = 'host' | 'word';
export const LINK_READINGS: readonly LinkReading[] = ['host', 'word'];

export const DEFAULT_MAX_CHUNK_CHARS = 300;

/**
 * Per chunk a part's history holds about 6 events (the activity's scheduled/started/completed, and
 * the workflow task it wakes): 1,000 chunks stay near 6,000 events, under the 10,000 we allow.
 */
export const MAX_PART_CHUNKS = 1_000;
/** Its chunk texts are read in one activity result: well under Temporal's 2 MB payload limit. */
export const MAX_PART_CHARACTERS = 250_000;
