// The audioDocument workflow's public input, described once as JSON Schema (TypeBox): the workflow,
// the client and the HTTP API validate with it, and the API publishes it. Defaults live here too.

import { type Static, Type } from 'typebox';
import { DEFAULT_MAX_CHUNK_CHARS, LINK_READINGS, MAX_PART_CHUNKS } from './text-limits.ts';

// --- Values and limits ---

export const ENGINES = ['espeak', 'simulated', 'replicate', 'kokoro', 'openai'] as const;
export type EngineName = (typeof ENGINES)[number];
export const MODES = ['sequential', 'parallel'] as const;
export type Mode = (typeof MODES)[number];
export const SCHEDULES = ['window', 'batch'] as const;
export type Schedule = (typeof SCHEDULES)[number];
export const FORMATS = ['wav', 'mp3', 'm4b', 'opus', 'flac', 'epub'] as const;
export const PRESETS = ['acx'] as const;
export const SPLITS = ['chapter'] as const;
export type OutputFormat = (typeof FORMATS)[number];

/** Chunk retries: transient engine errors pass at once, outages are waited out, then the document fails. */
export const DEFAULT_RETRY = { initialIntervalMs: 1_000, maximumIntervalMs: 60_000, maximumAttempts: 10 };
export const DEFAULT_CONCURRENCY = 5;
/** Well under Temporal's 2,000 pending activities per workflow, and more than any TTS provider allows. */
export const MAX_CONCURRENCY = 100;
/**
 * 200,000 characters (~33,000 words, ~650 chunks). The text travels in the workflow input and again
 * in the chunk activities' inputs; this keeps one payload under Temporal's 512 KB warning for text
 * of up to 2 bytes a character in UTF-8 (CJK, 3 bytes, reaches 600 KB: a warning, far from the
 * 2 MB limit) and a history well under its limits. Longer books need stored text.
 */
export const MAX_TEXT_CHARS = 200_000;
/**
 * A stored text (`textRef`) is read by an activity and never enters a history whole. The bound
 * comes from the parent workflow's history: see docs/books.md for the measurement behind it.
 */
export const MAX_STORED_TEXT_CHARS = 16_000_000;
/**
 * Longer than any word of any language (scripts without spaces, like Chinese or Thai, are split into
 * words by the segmenter): a longer run is a pasted blob (base64, a minified file) that would be
 * cut into meaningless pieces and read aloud at a cost.
 */
export const MAX_WORD_CHARS = 1_000;
export const MAX_CHUNK_CHARS_RANGE = [40, 5_000] as const;
/** A first chunk may be shorter than any other: a few words, said while the rest is being made. */
export const FIRST_CHUNK_CHARS_MIN = 20;
export const OUTPUT_SAMPLE_RATES = [8_000, 11_025, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000] as const;
export const DEFAULT_PAUSES = { wordMs: 80, clauseMs: 150, sentenceMs: 300, paragraphMs: 750, headingMs: 900 };
export const MAX_OUTPUT_NAME_CHARS = 200;
/** A book's blurb, not its text: it travels in the workflow input. */
export const MAX_DESCRIPTION_CHARS = 10_000;
/** A BCP 47 language tag as books and voices give it: "en", "en-GB", "pt-BR". */
export const LANGUAGE_TAG = '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$';
const MAX_PAUSE_MS = 10_000;
/** EBU R128's broadcast target is -23 LUFS; audiobooks and podcasts sit near -18 (ACX asks -23..-18 dB RMS). */
export const DEFAULT_LOUDNESS = { targetLufs: -18, truePeakDb: -1.5 };
/** What Audible's ACX takes (src/formats/acx.ts has the rest of its rules). */
export const ACX_MASTER = { sampleRate: 44_100, channels: 1, bitrateKbps: 192 } as const;
export const MAX_CROSSFADE_MS = 1_000;
export const MIN_SPEED = 0.5;
export const MAX_SPEED = 2;

// --- Schema ---

const closed = { additionalProperties: false } as const; // a misspelt option must not be silently ignored
const pause = (key: keyof typeof DEFAULT_PAUSES, description: string) =>
  Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_PAUSE_MS, default: DEFAULT_PAUSES[key], description: `${description}, in ms.` }));
const sampleRate = (description: string) => Type.Enum(OUTPUT_SAMPLE_RATES, { description: `${description}, in Hz.` });

const EngineOptionsSchema = Type.Object(
  {
    latencyMs: Type.Optional(Type.Number({ minimum: 0, maximum: 600_000, description: 'Time each chunk takes, in ms.' })),
    jitterMs: Type.Optional(Type.Number({ minimum: 0, maximum: 600_000, description: 'Random extra time per chunk, up to this many ms.' })),
    latencySigma: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 3,
        description: 'Lognormal spread of the latency: each chunk takes latencyMs * exp(sigma * Z), Z standard normal.',
      }),
    ),
    seed: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2 ** 31,
        description: "With latencySigma: draws each chunk's latency from its text and this seed, the same in every run.",
      }),
    ),
    failureRate: Type.Optional(
      Type.Number({ minimum: 0, maximum: 0.95, description: 'Probability that an attempt fails with a retryable error.' }),
    ),
    sampleRate: Type.Optional(sampleRate('Sample rate of the audio it makes (default 24,000)')),
    charsPerSecond: Type.Optional(
      Type.Number({
        minimum: 1,
        maximum: 10_000,
        description:
          'Its speaking rate: audio per character (default about 22 a second). ' +
          'A scale run pushes a book through with little audio at, say, 1,500.',
      }),
    ),
  },
  { ...closed, default: {}, description: 'Options of the simulated engine (ignored by the others).' },
);

const PausesSchema = Type.Object(
  {
    wordMs: pause('wordMs', 'After a chunk split between words of a sentence too long for one chunk'),
    clauseMs: pause('clauseMs', 'After a chunk split at a comma, semicolon or colon'),
    sentenceMs: pause('sentenceMs', 'Between sentences'),
    paragraphMs: pause('paragraphMs', 'Between paragraphs'),
    headingMs: pause('headingMs', 'After a heading'),
  },
  { ...closed, default: {}, description: 'Silence inserted after a chunk, by the kind of break that follows it.' },
);

const LoudnessSchema = Type.Object(
  {
    targetLufs: Type.Optional(
      Type.Number({ minimum: -40, maximum: -5, default: DEFAULT_LOUDNESS.targetLufs, description: 'Integrated loudness to reach, LUFS.' }),
    ),
    truePeakDb: Type.Optional(
      Type.Number({
        minimum: -12,
        maximum: 0,
        default: DEFAULT_LOUDNESS.truePeakDb,
        description: 'Ceiling for the true peak, dBTP: the gain stops short of the target rather than pass it.',
      }),
    ),
  },
  closed,
);

/** A cover image stored in the chunk store (by the client, from an EPUB): only the reference travels. */
const CoverRefSchema = Type.Object(
  {
    uri: Type.String({ maxLength: 2_000, pattern: '^(file|s3)://', description: 'Where the image is stored.' }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Of its bytes: the stitch checks it.' }),
    mediaType: Type.String({ pattern: '^image/[\\w.+-]+$', maxLength: 100, description: 'Its type: "image/jpeg", "image/png"...' }),
  },
  {
    ...closed,
    description: 'The cover image: embedded in M4B, MP3 and FLAC files and a read-along EPUB, and `cover.jpg` in a library.',
  },
);

const OutputSchema = Type.Object(
  {
    name: Type.Optional(
      Type.String({
        maxLength: MAX_OUTPUT_NAME_CHARS,
        pattern: '^[\\w .\\-/]*$',
        description:
          "File name under the worker's output directory, relative, with no empty or hidden segments; " +
          'letters, digits, spaces, "_", "-", "." and "/"; the format\'s extension (".wav", ".mp3"...) is added if missing. ' +
          'Default (or empty): `<workflowId>.<format>`.',
      }),
    ),
    format: Type.Optional(
      Type.Enum(FORMATS, {
        description:
          'wav; mp3 (LAME, gapless header, ID3v2 chapters); m4b (AAC in MP4, chapter marks); opus; flac; ' +
          'epub (a read-along EPUB 3: the text, each sentence highlighted as an MP3 per chapter reads it; the MP3s ' +
          'are also written in a folder beside it). ' +
          "Default: from the name's extension, else wav.",
      }),
    ),
    bitrateKbps: Type.Optional(
      Type.Integer({
        minimum: 16,
        maximum: 320,
        description: 'Bitrate of mp3, m4b and opus, in kbit/s (default: 64 per channel; opus 32).',
      }),
    ),
    sampleRate: Type.Optional(sampleRate('Sample rate of the file (default: the highest among the chunks)')),
    channels: Type.Optional(Type.Enum([1, 2], { description: 'Channels of the file (default: the most among the chunks).' })),
    title: Type.Optional(Type.String({ maxLength: 500, description: 'Title tag. Default: the first heading, else the file name.' })),
    author: Type.Optional(Type.String({ maxLength: 500, description: 'Author (artist) tag.' })),
    narrator: Type.Optional(
      Type.String({ maxLength: 500, description: "Narrator (composer tag; the library's narrators): the client names the voice." }),
    ),
    description: Type.Optional(Type.String({ maxLength: MAX_DESCRIPTION_CHARS, description: 'Description (comment tag).' })),
    language: Type.Optional(Type.String({ pattern: LANGUAGE_TAG, maxLength: 35, description: 'Language, BCP 47: "en", "en-GB".' })),
    series: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'The series the book belongs to.' })),
    seriesPart: Type.Optional(
      Type.String({ pattern: '^[^#\\s]{1,20}$', description: 'Its place in the series: "1", "2.5" (no spaces or "#").' }),
    ),
    cover: Type.Optional(CoverRefSchema),
    library: Type.Optional(
      Type.Boolean({
        description:
          "Write the document into the worker's audiobook library (AUDIO_LIBRARY_DIR) the way Audiobookshelf scans one: " +
          '`<author>/[<series>/]<title>/` with the audio, `cover.jpg` (the given cover, else one drawn) and `metadata.json`; ' +
          '`name` is then not used.',
      }),
    ),
    loudness: Type.Optional(
      Type.Union([LoudnessSchema, Type.Literal(false)], {
        description:
          `Normalise the whole document once to a loudness (EBU R128), or \`false\` to keep the engines' levels. ` +
          `Default: ${JSON.stringify(DEFAULT_LOUDNESS)}.`,
      }),
    ),
    crossfadeMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_CROSSFADE_MS,
        default: 0,
        description: 'Equal-power crossfade at every join between chunks, in ms.',
      }),
    ),
    preset: Type.Optional(
      Type.Enum(PRESETS, {
        description:
          'acx: the master Audible takes (44.1 kHz mono MP3 at 192 kbit/s CBR, RMS -23 to -18 dB, peaks under -3 dB, ' +
          'room tone at both ends), with a report of each rule; it sets format, sampleRate, channels and bitrateKbps, ' +
          'and replaces `loudness`.',
      }),
    ),
    split: Type.Optional(
      Type.Enum(SPLITS, {
        description:
          'chapter: one file per chapter, `<name>/<nn> <title>.<ext>`, each with its own captions (and, with preset "acx", ' +
          "its own room tone and report), plus the playlist `<name>.m3u8` listing them in order; the gain stays the whole document's.",
      }),
    ),
    captions: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'Write <name>.vtt, <name>.srt and <name>.timings.json (one entry per sentence) beside the audio.',
      }),
    ),
    pauses: Type.Optional(PausesSchema),
  },
  { ...closed, default: {}, description: 'The audio file: name, format, tags, loudness, joins and captions.' },
);

const RetrySchema = Type.Object(
  {
    initialIntervalMs: Type.Optional(
      Type.Integer({
        minimum: 10,
        maximum: 600_000,
        default: DEFAULT_RETRY.initialIntervalMs,
        description: 'Wait before the first retry of a failed chunk, in ms.',
      }),
    ),
    // No schema default: it depends on the initial interval.
    maximumIntervalMs: Type.Optional(
      Type.Integer({
        minimum: 10,
        maximum: 3_600_000,
        description:
          `Longest wait between retries, in ms; at least initialIntervalMs. Default: ${DEFAULT_RETRY.maximumIntervalMs}, ` +
          'or initialIntervalMs if longer.',
      }),
    ),
    maximumAttempts: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1_000,
        default: DEFAULT_RETRY.maximumAttempts,
        description: 'Attempts per chunk before the document fails.',
      }),
    ),
  },
  { ...closed, default: {}, description: "Overrides of the chunk activities' retry policy." },
);

const TextRefSchema = Type.Object(
  {
    uri: Type.String({
      maxLength: 2_000,
      pattern: '^(file|s3)://',
      description: 'Where the text is stored (the chunk store: a file: URL today).',
    }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Of its UTF-8 bytes: the activity that reads it checks it.' }),
    characters: Type.Integer({
      minimum: 1,
      maximum: MAX_STORED_TEXT_CHARS,
      description: `Its length in UTF-16 code units, up to ${MAX_STORED_TEXT_CHARS}.`,
    }),
  },
  {
    ...closed,
    description:
      'A text stored in the chunk store, for documents longer than `text` allows (books): the client stores it, ' +
      'and only this reference travels.',
  },
);

export const DEFAULT_VERIFY = { maxWordErrorRate: 0.3, maxTakes: 3 };

/** Hearing every chunk back (src/recognizer/). */
const VerifySchema = Type.Union(
  [
    Type.Boolean(),
    Type.Object(
      {
        maxWordErrorRate: Type.Optional(
          Type.Number({
            minimum: 0,
            maximum: 1,
            description:
              'A take heard with more word errors than this share of its words is spoken again ' +
              `(default ${DEFAULT_VERIFY.maxWordErrorRate}).`,
          }),
        ),
        maxTakes: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: 5,
            description: `Takes of a chunk at most, the first included (default ${DEFAULT_VERIFY.maxTakes}); the best is kept.`,
          }),
        ),
      },
      { ...closed, description: 'The threshold and the number of takes.' },
    ),
  ],
  {
    description:
      'Hear every chunk back with a speech recognizer (Whisper base, on the workers) and speak again, up to a limit, ' +
      'a chunk whose words do not match its text; the best take is kept, and chunks still off are listed in the result.',
  },
);

/** A pronunciation dictionary (src/text/lexicon.ts). */
const LexiconSchema = Type.Record(
  Type.String({ minLength: 1, maxLength: 100 }),
  Type.Union([
    Type.String({ minLength: 1, maxLength: 200 }),
    Type.Object(
      {
        say: Type.Optional(Type.String({ maxLength: 200, description: 'A respelling: "sir come VEN shun".' })),
        ipa: Type.Optional(Type.String({ maxLength: 200, description: 'IPA, with or without its slashes.' })),
        matchCase: Type.Optional(Type.Boolean({ description: 'Match the written form only in this case ("US", not "us").' })),
      },
      { ...closed, description: 'How to say it, and whether the case must match.' },
    ),
  ]),
  {
    // At most about 0.5 MB: it travels in the input, and in each part's of a book.
    maxProperties: 1_000,
    description:
      'How to say words and phrases as written: "word or phrase" -> a respelling ("sir come VEN shun"), "/IPA/", or ' +
      '{ "say", "ipa", "matchCase" }. Whole words, case-insensitive unless matchCase. Kokoro and eSpeak say IPA ' +
      "phonemes as given; Replicate's Kokoro models get `[word](/IPA/)` markup; other models the respelling. " +
      "Only the entries a chunk contains are part of that chunk's key: editing one re-speaks only the chunks that have it.",
  },
);

/**
 * The engine a document is spoken by, fixed when it starts: every chunk is made by it, whichever
 * worker runs the chunk, and its chunk keys and workflow id include it.
 */
export const EnginePinSchema = Type.Object(
  {
    engine: Type.Enum(ENGINES, { description: "The document's engine." }),
    model: Type.String({ minLength: 1, maxLength: 200, description: 'A Replicate model (owner/name), a model file, an engine build.' }),
    version: Type.String({
      minLength: 1,
      maxLength: 200,
      description: "Its exact version: a Replicate version id, a model file's sha256, a package version.",
    }),
    voice: Type.Optional(Type.String({ maxLength: 500, description: 'The voice, the engine default filled in where it has one.' })),
    settings: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: "The rest of what decides the audio (Replicate's input fields and address, our phoneme pipeline's version).",
      }),
    ),
  },
  {
    ...closed,
    description:
      'The engine the document is spoken by, down to the model version (the client or the first step of the workflow sets it). ' +
      'A worker that cannot speak it fails the chunk instead of substituting another model.',
  },
);

export const AudioDocumentInputSchema = Type.Object(
  {
    text: Type.Optional(
      Type.String({
        maxLength: MAX_TEXT_CHARS,
        description:
          `The text to speak, up to ${MAX_TEXT_CHARS} UTF-16 code units; not blank, no control characters other than tab, CR and LF, ` +
          `no unpaired surrogates, no run of over ${MAX_WORD_CHARS} characters without a space unless it is words (Chinese, Thai). ` +
          'A blank line ends a paragraph. Give `text` or `textRef`, not both.',
      }),
    ),
    textRef: Type.Optional(TextRefSchema),
    mode: Type.Optional(
      Type.Enum(MODES, {
        default: 'parallel',
        description: 'sequential: one chunk at a time; parallel: up to `concurrency` chunks in flight.',
      }),
    ),
    concurrency: Type.Optional(
      Type.Integer({
        minimum: 1,
        default: DEFAULT_CONCURRENCY,
        description: `Chunks in flight in parallel mode; above ${MAX_CONCURRENCY} it is capped to ${MAX_CONCURRENCY}, with a notice.`,
      }),
    ),
    schedule: Type.Optional(
      Type.Enum(SCHEDULES, {
        default: 'window',
        description: 'window: start the next chunk as soon as one finishes; batch: wait for the slowest of each batch of `concurrency`.',
      }),
    ),
    maxChunkChars: Type.Optional(
      Type.Integer({
        minimum: MAX_CHUNK_CHARS_RANGE[0],
        maximum: MAX_CHUNK_CHARS_RANGE[1],
        default: DEFAULT_MAX_CHUNK_CHARS,
        description: 'Longest chunk in characters; sentences are packed up to it.',
      }),
    ),
    firstChunkChars: Type.Optional(
      Type.Integer({
        minimum: FIRST_CHUNK_CHARS_MIN,
        maximum: MAX_CHUNK_CHARS_RANGE[1],
        description:
          'Longest first chunk, cut at its first clause or word that fits; each next chunk at most twice the ' +
          'one before, up to maxChunkChars. The first audio is ready ' +
          'sooner and the next before it is heard (the OpenAI-compatible speech route sets it). Absent: as long as any other.',
      }),
    ),
    links: Type.Optional(
      Type.Enum(LINK_READINGS, {
        description:
          'How a URL is read: "host" (the default) says its host name ("example.com"), "word" says "link". ' +
          'An e-mail address is read "ann at example.com".',
      }),
    ),
    maxPartChunks: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_PART_CHUNKS,
        description:
          'A text of more chunks is spoken in parts, one child workflow after the other, each with a history of its own; ' +
          `a part ends at a chapter heading when it can. Default and maximum: ${MAX_PART_CHUNKS}.`,
      }),
    ),
    engine: Type.Optional(Type.Enum(ENGINES, { default: 'espeak', description: 'The TTS engine that speaks each chunk.' })),
    voice: Type.Optional(
      Type.String({
        maxLength: 500,
        pattern: '^[\\x21-\\x7e]*$',
        description:
          'A voice name ("en-us", "af_bella") or a speaker sample\'s URL: printable ASCII, no spaces. ' +
          "Default (or empty): the engine's own.",
      }),
    ),
    dialogueVoice: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 500,
        pattern: '^[\\x21-\\x7e]*$',
        description:
          'The voice of what is inside quotation marks ("…", “…”, and ‘…’ where it is clearly speech); narration keeps `voice`. ' +
          '[voice:NAME]…[/voice] tags in the text come first.',
      }),
    ),
    chapterVoices: Type.Optional(
      Type.Record(
        Type.String({ minLength: 1, maxLength: 200 }),
        Type.String({ minLength: 1, maxLength: 500, pattern: '^[\\x21-\\x7e]*$' }),
        {
          maxProperties: 1000,
          description:
            'The narrator of chapters: chapter number ("3", from 1, as the chapter marks count them) or title → voice. ' +
            'Quotations still take `dialogueVoice`, and tags their own voice.',
        },
      ),
    ),
    speed: Type.Optional(
      Type.Number({
        minimum: MIN_SPEED,
        maximum: MAX_SPEED,
        description:
          `Speaking rate, 1 = the engine's own; from ${MIN_SPEED} to ${MAX_SPEED}. ` +
          "Kokoro, eSpeak and Replicate (the model's `speed` input) honour it; the simulated engine ignores it.",
      }),
    ),
    engineOptions: Type.Optional(EngineOptionsSchema),
    pin: Type.Optional(EnginePinSchema),
    lexicon: Type.Optional(LexiconSchema),
    verify: Type.Optional(VerifySchema),
    output: Type.Optional(OutputSchema),
    retry: Type.Optional(RetrySchema),
    tenant: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: '^[\x21-\x7e]+$',
        description:
          'Whose document this is (a user, a team): the fairness key of its chunks. On a shared task queue, ' +
          "tenants' chunks are dispatched in turn (by weight), so one tenant's book does not hold back another's short reading. " +
          'Printable ASCII, up to 64 characters. Absent: no key (first come, first served).',
      }),
    ),
    tenantWeight: Type.Optional(
      Type.Number({
        minimum: 0.001,
        maximum: 1000,
        description: "The tenant's share of dispatch against other tenants' (default 1; 2 gets twice the turns). Only with `tenant`.",
      }),
    ),
  },
  {
    ...closed,
    // One of the two (both are refused by resolveDocumentInput, with a message saying so).
    anyOf: [
      { required: ['text'], properties: { text: {} } },
      { required: ['textRef'], properties: { textRef: {} } },
    ],
    description: 'A document to speak into one audio file: its `text`, or `textRef` for a stored text.',
  } as never,
);

// --- Types ---

export type AudioDocumentInput = Static<typeof AudioDocumentInputSchema>;
export type TextRef = Static<typeof TextRefSchema>;
export type EngineOptions = Static<typeof EngineOptionsSchema>;
export type EnginePin = Static<typeof EnginePinSchema>;
export type LexiconInput = Static<typeof LexiconSchema>;
export type OutputOptions = Static<typeof OutputSchema>;
export type CoverRef = Static<typeof CoverRefSchema>;
export type PauseSettings = Required<Static<typeof PausesSchema>>;
export type LoudnessTarget = Required<Static<typeof LoudnessSchema>>;
export type RetryOptions = Static<typeof RetrySchema>;
