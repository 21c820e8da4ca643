// A cast on a real Temporal server: every chunk spoken by its voice (dialogue, tags, voices by
// chapter), pauses exactly as tagged, captions that name the voice, and re-casting one voice
// re-speaking only its chunks, in one run and in parts.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SynthesizeChunkInput } from '../../src/activities/types.ts';
import { decodeWav } from '../../src/audio/wav.ts';
import { describeFailure } from '../../src/client/print-result.ts';
import type { AudioDocumentResult } from '../../src/contract/result.ts';
import type { AudioDocumentInput } from '../../src/document/input.ts';
import { SimulatedEngine } from '../../src/engines/simulated.ts';
import type { AudioWorker } from '../../src/temporal/audio-worker.ts';
import { startFakeReplicate } from '../../testkit/fake-replicate/fake-replicate-server.ts';
import { inProcessWorker } from '../helpers/documents.ts';
import { chunkInputs } from '../helpers/history.ts';
import { runToEnd } from '../helpers/processes.ts';
import { startTestTemporal, type TestTemporal, uniqueTaskQueue } from '../helpers/temporal.ts';

let temporal: TestTemporal;
let audioWorker: AudioWorker;
let running: Promise<void>;
let engine: SimulatedEngine;
let blobDir: string;
const taskQueue = uniqueTaskQueue('cast');

const STORY = [
  '# The Lighthouse',
  '',
  'The keeper climbed the stair at dusk. "The ship will come tonight," he said quietly, "and the light must not fail."',
  '',
  '[voice:bm_george]',
  "The old captain had heard such promises before. He said nothing; the ship's bell rang.",
  '[/voice]',
  '',
  'She nodded. [pause:2s] “Then we wait,” she answered.',
  '',
  '# The Storm',
  '',
  'Rain came in the night. ‘Hold the door,’ he called. The boys’ boots stood by the fire.',
].join('\n');

const TOKEN = 'r8_cast_test_token';
const QUOTES = ['"The ship will come tonight,"', '"and the light must not fail."', '“Then we wait,”', '‘Hold the door,’'];
const TAGGED = ['The old captain had heard such promises before.', "He said nothing; the ship's bell rang."];

async function speak(input: AudioDocumentInput): Promise<{ result: AudioDocumentResult; chunks: SynthesizeChunkInput[] }> {
  const handle: WorkflowHandle = await temporal.client.workflow.start('audioDocument', {
    args: [input],
    taskQueue,
    workflowId: uniqueTaskQueue('cast-doc'),
  });
  const result = (await handle.result()) as AudioDocumentResult;
  return { result, chunks: await chunkInputs(temporal.client, handle.workflowId) };
}

const story = (extra: Partial<AudioDocumentInput> = {}): AudioDocumentInput => ({
  text: STORY,
  engine: 'simulated',
  voice: 'af_heart',
  dialogueVoice: 'am_adam',
  engineOptions: { latencyMs: 0 },
  output: { loudness: false },
  ...extra,
});

beforeAll(async () => {
  temporal = await startTestTemporal();
  blobDir = join(temporal.dir, taskQueue, '.chunks'); // inProcessWorker's store
  engine = new SimulatedEngine();
  audioWorker = await inProcessWorker(temporal.workerConnection, temporal.dir, taskQueue, { engines: { simulated: engine } });
  running = audioWorker.run();
});

afterAll(async () => {
  audioWorker?.shutdown();
  await running;
  await audioWorker?.close();
  await temporal?.teardown();
});

beforeEach(async () => {
  engine.resetStats();
  await rm(blobDir, { recursive: true, force: true });
});

describe('a cast', () => {
  it('speaks narration, quotations and a tagged passage each in its voice, no chunk spanning two', async () => {
    const { result, chunks } = await speak(story());
    const voiceOf = new Map(chunks.map((chunk) => [chunk.text, chunk.voice]));
    for (const quote of QUOTES) expect(voiceOf.get(quote), quote).toBe('am_adam');
    for (const sentence of TAGGED) expect(chunks.find((chunk) => chunk.text.includes(sentence))?.voice, sentence).toBe('bm_george');
    const narration = chunks.filter((chunk) => chunk.voice === 'af_heart');
    expect(narration.map((chunk) => chunk.text)).toEqual(
      expect.arrayContaining(['The Lighthouse', 'he said quietly,', 'She nodded.', 'she answered.', 'The Storm']),
    );
    // No text of two voices in one chunk: no quotation mark with narration, no tag anywhere.
    for (const chunk of narration) expect(chunk.text).not.toMatch(/["“”‘]|\[|\]/u);
    expect(chunks.map((chunk) => chunk.text).join(' ')).not.toMatch(/\[|\]/u);
    expect(new Set(chunks.map((chunk) => chunk.voice))).toEqual(new Set(['af_heart', 'am_adam', 'bm_george']));
    // The result lists the voices with their share of the speech.
    expect(result.voices?.map((v) => v.voice).sort()).toEqual(['af_heart', 'am_adam', 'bm_george']);
    expect(result.voices!.reduce((sum, v) => sum + v.share, 0)).toBeCloseTo(1, 2);
    expect(result.voices!.reduce((sum, v) => sum + v.chunks, 0)).toBe(result.chunks);

    // Captions name each cue's voice and hold no tag.
    const vtt = await readFile(result.artifacts!.find((a) => a.path.endsWith('.vtt'))!.path, 'utf8');
    expect(vtt).toContain('<v am_adam>"The ship will come tonight,"');
    expect(vtt).toContain('<v bm_george>The old captain');
    expect(vtt).toContain('<v af_heart>he said quietly,');
    expect(vtt).not.toMatch(/\[(?:voice|pause)|\[\/voice\]/u);
  });

  it('puts exactly the tagged silence between the words around [pause:2s]', async () => {
    const { result } = await speak(story());
    const audio = decodeWav(await readFile(result.path));
    const vtt = await readFile(result.artifacts!.find((a) => a.path.endsWith('.vtt'))!.path, 'utf8');
    // Silence, as the stitcher reads it: no sample above its threshold (the output is not levelled here).
    const runs = silentRuns(audio.samples, 100);
    const nodded = cueStart(vtt, 'She nodded.');
    // The longest silence after "She nodded." begins (longer than any break's pause).
    const paused = runs.filter((run) => run.start / audio.sampleRate > nodded).sort((a, b) => b.frames - a.frames)[0]!;
    expect(Math.abs(paused.frames - 2 * audio.sampleRate)).toBeLessThanOrEqual(1);
  });

  it('re-speaks only the chunks of the voice that changed, in one run and in parts', async () => {
    for (const maxPartChunks of [undefined, 3]) {
      await rm(blobDir, { recursive: true, force: true });
      const parts = maxPartChunks ? { maxPartChunks } : {};
      const first = await speak(story(parts));
      expect(first.result.cachedChunks).toBe(0);
      if (maxPartChunks) expect(first.result.parts).toBeGreaterThan(1);
      const recast = await speak(story({ ...parts, dialogueVoice: 'am_michael' }));
      const dialogue = recast.chunks.filter((chunk) => chunk.voice === 'am_michael');
      expect(dialogue.map((chunk) => chunk.text).sort()).toEqual([...QUOTES].sort());
      expect(recast.result.cachedChunks).toBe(recast.result.chunks - dialogue.length);
    }
  });

  it('gives chapters their narrators from a voice map, by number and by title', async () => {
    const { chunks } = await speak(story({ chapterVoices: { '1': 'bf_emma', 'the storm': 'bm_lewis' } }));
    expect(chunks.find((chunk) => chunk.text === 'The Lighthouse')?.voice).toBe('bf_emma');
    expect(chunks.find((chunk) => chunk.text === 'She nodded.')?.voice).toBe('bf_emma');
    expect(chunks.find((chunk) => chunk.text === 'The Storm')?.voice).toBe('bm_lewis');
    expect(chunks.find((chunk) => chunk.text.startsWith('Rain came'))?.voice).toBe('bm_lewis');
    expect(chunks.find((chunk) => chunk.text === '‘Hold the door,’')?.voice).toBe('am_adam');
    expect(chunks.find((chunk) => chunk.text.includes('promises'))?.voice).toBe('bm_george');
  });

  it('refuses a voice map that names a chapter the text does not have, before any chunk', async () => {
    const error = await speak(story({ chapterVoices: { '7': 'bf_emma' } })).catch((e: unknown) => e);
    expect(describeFailure(error)).toContain('no chapter is numbered 7 (the text has 2 chapters)');
    expect(engine.stats.calls).toBe(0);
  });
});

describe('npm start with a cast, through the Replicate engine', () => {
  it('sends narration with --voice, quotations with --dialogue-voice and the tagged passage with its voice, and speaks it all', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cast-main-'));
    const fake = await startFakeReplicate({ token: TOKEN, latencyMs: 20 });
    try {
      const file = join(dir, 'story.txt');
      await writeFile(file, STORY);
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DURABLE_TTS_CACHE: join(dir, 'cache'), // a dev server history of its own
        REPLICATE_API_TOKEN: TOKEN,
        REPLICATE_BASE_URL: fake.url,
        REPLICATE_POLL_INTERVAL_MS: '50',
        AUDIO_BLOB_DIR: join(dir, 'blobs'),
      };
      delete env.TEMPORAL_ADDRESS;
      delete env.TTS_ENGINE;
      const args = ['start', '--', file, '--out', join(dir, 'out', 'story.wav'), '--voice', 'af_heart', '--dialogue-voice', 'am_adam'];
      const run = await runToEnd('npm', args, env);
      const output = run.stdout + run.stderr;
      expect(run.code, output).toBe(0);
      const sent = fake.stats.creates.filter((c) => c.status === 201).map((c) => [c.text, c.input.voice]);
      for (const quote of QUOTES)
        expect(
          sent.filter(([text]) => text === quote),
          quote,
        ).toEqual([[quote, 'am_adam']]);
      for (const sentence of TAGGED) expect(sent.find(([text]) => String(text).includes(sentence))?.[1], sentence).toBe('bm_george');
      for (const [text, voice] of sent) {
        // Nothing of two voices in one request, and no tag ever sent.
        if (voice === 'af_heart') expect(text).not.toMatch(/["“”‘]/u);
        expect(text).not.toMatch(/\[|\]/u);
      }
      expect(new Set(sent.map(([, voice]) => voice))).toEqual(new Set(['af_heart', 'am_adam', 'bm_george']));
      // The whole story is spoken: every word of it once, across the requests (sent in parallel, in any order).
      const words = (text: string) => (text.replace(/\[[^\]]*\]/gu, ' ').match(/[\p{L}']+/gu) ?? []).sort();
      expect(words(sent.map(([text]) => text).join(' '))).toEqual(words(STORY));
      expect(output).toMatch(/Voices: {3}af_heart \d+%/u);
      expect(output).not.toContain(TOKEN);

      // A voice the model does not have fails before anything starts, naming its line.
      await writeFile(file, `${STORY}\n\n[voice:bm_georg]Typo.[/voice]`);
      const typo = await runToEnd('npm', args, env);
      expect(typo.code).toBe(1);
      expect(typo.stderr).toContain('line 15: "bm_georg" is not one of the replicate engine\'s voices');
    } finally {
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

function silentRuns(samples: Int16Array, threshold: number): Array<{ start: number; frames: number }> {
  const runs: Array<{ start: number; frames: number }> = [];
  let start = -1;
  for (let i = 0; i <= samples.length; i++) {
    const silent = i < samples.length && Math.abs(samples[i]!) <= threshold;
    if (silent && start < 0) start = i;
    if (!silent && start >= 0) {
      runs.push({ start, frames: i - start });
      start = -1;
    }
  }
  return runs;
}

/** Seconds at which the cue with this text starts. */
function cueStart(vtt: string, text: string): number {
  const cue = vtt.split('\n\n').find((block) => block.includes(text))!;
  const [, h, m, s] = /(\d+):(\d+):(\d+\.\d+) -->/u.exec(cue)!;
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}
