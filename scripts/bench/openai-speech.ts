// OpenAI's speech API with Kokoro, as a chat client meets it: POST /v1/audio/speech, read the
// streamed body with fetch, and time its first audio byte and its end. Three requests to one server:
// a sentence to a cold server (Kokoro's model loads for it), another sentence once it is warm, and a
// 2,000-character input (first byte against the whole). Every request is a new text: nothing reused.
//
// Alone: `node --import tsx scripts/bench/openai-speech.ts`.

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KokoroEngine, latencyFirstKokoro } from '../../src/engines/kokoro/kokoro-engine.ts';
import type { LocalTemporal } from '../../src/temporal/local-temporal.ts';
import { startBench, withBenchServer } from './harness.ts';

export interface SpeechTiming {
  what: string;
  characters: number;
  /** From sending the POST to the first byte of the body. */
  firstByteSec: number;
  /** To the body's end. */
  totalSec: number;
  /**
   * The longest a listener who started at the first byte would wait in the middle: how far a read
   * came after the audio received before it had played out (MP3 at a constant 64 kb/s: 8,000 bytes a second).
   */
  longestStallSec: number;
  audioBytes: number;
}

const SENTENCES = [
  'The kettle whistled while the rain kept falling on the old tin roof.',
  'She folded the letter twice and slipped it under the garden gate.',
];

/** A text of about `characters`, in sentences of the sample's kind (new words each run: nothing is reused). */
function longInput(characters: number): string {
  const parts: string[] = [];
  for (let i = 0; parts.join(' ').length < characters; i++)
    parts.push(`Sentence ${i + 1} tells of the harbour at dusk, where the boats came in one by one and the lamps were lit.`);
  return parts
    .join(' ')
    .slice(0, characters)
    .replace(/\s\S*$/u, '.');
}

export async function openAiSpeech(temporal: LocalTemporal): Promise<SpeechTiming[]> {
  const taskQueue = `openai-speech-${Date.now()}`;
  // As `npm run serve` makes it: one session on every core.
  const kokoro = new KokoroEngine(latencyFirstKokoro());
  return withBenchServer(temporal, taskQueue, { engines: { kokoro } }, async (base) => {
    const timings: SpeechTiming[] = [];
    const requests: Array<[string, string]> = [
      ['one sentence, cold server (the model loads)', SENTENCES[0]!],
      ['one sentence, warm server', SENTENCES[1]!],
      ['2,000 characters, warm server', longInput(2_000)],
    ];
    for (const [what, input] of requests) timings.push({ what, characters: input.length, ...(await timeRequest(base, input)) });
    return timings;
  });
}

/** The stream's MP3 is 64 kb/s (src/formats/stream-encoder.ts). */
const MP3_BYTES_PER_SECOND = 64_000 / 8;

async function timeRequest(base: string, input: string): Promise<Omit<SpeechTiming, 'what' | 'characters'>> {
  const started = performance.now();
  const response = await fetch(`${base}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'kokoro', input, voice: 'alloy', response_format: 'mp3' }),
  });
  if (!response.ok) throw new Error(`POST /v1/audio/speech answered ${response.status}: ${await response.text()}`);
  let firstByteSec: number | undefined;
  let audioBytes = 0;
  let longestStallSec = 0;
  for await (const chunk of response.body!) {
    const at = (performance.now() - started) / 1000;
    firstByteSec ??= at;
    longestStallSec = Math.max(longestStallSec, at - (firstByteSec + audioBytes / MP3_BYTES_PER_SECOND));
    audioBytes += chunk.length;
  }
  return { firstByteSec: firstByteSec ?? Number.NaN, totalSec: (performance.now() - started) / 1000, audioBytes, longestStallSec };
}

export function openAiSpeechRows(timings: SpeechTiming[]): string[] {
  return timings.map(
    (t) =>
      `| OpenAI speech API, Kokoro, MP3 (${t.what}; ${t.characters} characters) | first byte ${t.firstByteSec.toFixed(2)} s, ` +
      `whole answer ${t.totalSec.toFixed(2)} s (${(t.audioBytes / 1024).toFixed(0)} KiB), longest stall ${t.longestStallSec.toFixed(2)} s ` +
      '| target: first byte within 1.5 s warm, no stall |',
  );
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const bench = await startBench();
  try {
    for (const row of openAiSpeechRows(await openAiSpeech(bench))) console.log(row);
  } finally {
    await bench.teardown();
  }
}
