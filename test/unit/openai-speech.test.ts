import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ffmpegPath } from '../../src/audio/ffmpeg.ts';
import { decodeWav } from '../../src/audio/wav.ts';
import { KOKORO_VOICES } from '../../src/engines/kokoro/model-files.ts';
import { simulatedAudio } from '../../src/engines/simulated.ts';
import { encodeStream, type STREAM_FORMATS } from '../../src/formats/stream-encoder.ts';
import { OpenAiProblem } from '../../src/server/openai/openai-errors.ts';
import { SPEECH_FIRST_CHUNK_CHARS, speechDocument } from '../../src/server/openai/speech-request.ts';
import { KOKORO_ALIASES, OPENAI_VOICES, voiceFor } from '../../src/server/openai/voice-aliases.ts';

const env = { TTS_ENGINE: 'kokoro' } as NodeJS.ProcessEnv;

function refusal(body: unknown): OpenAiProblem {
  try {
    speechDocument(body, env);
  } catch (error) {
    if (error instanceof OpenAiProblem) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe("OpenAI's speech request as a document", () => {
  it('reads model, voice, format and speed: OpenAI names become ours, our own names stay', () => {
    expect(speechDocument({ model: 'tts-1', input: 'Hi.', voice: 'alloy' }, env)).toEqual({
      input: { text: 'Hi.', engine: 'kokoro', firstChunkChars: SPEECH_FIRST_CHUNK_CHARS, voice: 'af_alloy' },
      format: 'mp3',
    });
    expect(speechDocument({ model: 'espeak', input: 'Hi.', voice: 'fable', response_format: 'wav', speed: 1.5 }, env)).toEqual({
      input: { text: 'Hi.', engine: 'espeak', firstChunkChars: SPEECH_FIRST_CHUNK_CHARS, voice: 'en-gb', speed: 1.5 },
      format: 'wav',
    });
    expect(speechDocument({ model: 'kokoro', input: 'Hi.', voice: { id: 'bm_george' }, instructions: 'Speak warmly.' }, env).input).toEqual(
      {
        text: 'Hi.',
        engine: 'kokoro',
        firstChunkChars: SPEECH_FIRST_CHUNK_CHARS,
        voice: 'bm_george',
      },
    );
    // OpenAI's speed range is wider than ours: its ends become ours.
    expect(speechDocument({ model: 'kokoro', input: 'Hi.', voice: 'nova', speed: 4 }, env).input.speed).toBe(2);
    expect(speechDocument({ model: 'kokoro', input: 'Hi.', voice: 'nova', speed: 0.25 }, env).input.speed).toBe(0.5);
  });

  it('refuses what cannot be spoken, naming the parameter as OpenAI does', () => {
    expect(refusal({ model: 'tts-1', input: '', voice: 'alloy' })).toMatchObject({ status: 400, param: 'input' });
    expect(refusal({ model: 'tts-1', input: 'Hi.', voice: 'alloy', response_format: 'ogg' })).toMatchObject({ param: 'response_format' });
    expect(refusal({ model: 'whisper-1', input: 'Hi.', voice: 'alloy' })).toMatchObject({ param: 'model', code: 'model_not_found' });
    expect(refusal({ model: 'tts-1', input: 'Hi.', voice: 'alloy', speed: 9 })).toMatchObject({ param: 'speed' });
    expect(refusal({ model: 'tts-1', input: 'Hi.', voice: 'alloy', stream_format: 'sse' })).toMatchObject({ param: 'stream_format' });
    expect(refusal('Hi.')).toMatchObject({ status: 400, param: null });
  });

  it('maps every OpenAI voice to a Kokoro voice that exists, and leaves other engines their own', () => {
    for (const voice of OPENAI_VOICES) expect(KOKORO_VOICES, voice).toContain(KOKORO_ALIASES[voice]);
    expect(voiceFor('replicate', 'alloy', true)).toBe('af_alloy');
    expect(voiceFor('replicate', 'alloy', false)).toBe('alloy');
    expect(voiceFor('openai', 'alloy', true)).toBe('alloy');
    expect(voiceFor('kokoro', 'af_heart', true)).toBe('af_heart');
  });
});

describe('streamed encodings', () => {
  const audio = simulatedAudio('A short streamed test sentence.', 22_050);
  async function* pcm() {
    for (let at = 0; at < audio.samples.length; at += 4_000) yield audio.samples.subarray(at, at + 4_000);
  }
  async function bytesOf(format: (typeof STREAM_FORMATS)[number]) {
    const chunks: Buffer[] = [];
    for await (const chunk of encodeStream(pcm(), { sampleRate: 22_050, channels: 1 }, format)) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks);
  }

  /** How long `bytes` play, as ffmpeg decodes them (a stream cut short decodes up to its cut). */
  function decodedSeconds(bytes: Buffer, format: string, { partial = false } = {}): number {
    const decoded = spawnSync(ffmpegPath(), ['-v', 'error', '-i', 'pipe:0', '-f', 's16le', '-ac', '1', '-ar', '22050', 'pipe:1'], {
      input: bytes,
      maxBuffer: 1 << 26,
    });
    if (!partial) expect(decoded.status, `${format}: ${decoded.stderr}`).toBe(0);
    return decoded.stdout.length / 2 / 22_050;
  }

  it('writes WAV with an open length and raw PCM as they come, sample for sample', async () => {
    const wav = decodeWav(await bytesOf('wav'));
    expect(Array.from(wav.samples)).toEqual(Array.from(audio.samples));
    expect(Array.from(new Int16Array((await bytesOf('pcm')).buffer.slice(0)))).toEqual(Array.from(audio.samples));
  });

  it('encodes MP3, Opus, AAC and FLAC that ffmpeg decodes to about the same length', async () => {
    for (const format of ['mp3', 'opus', 'aac', 'flac'] as const) {
      const bytes = await bytesOf(format);
      const seconds = decodedSeconds(bytes, format);
      expect(Math.abs(seconds - audio.samples.length / 22_050), format).toBeLessThan(0.15);
    }
  });

  it('sends the first packets of a short first chunk while the next is still being made', async () => {
    // A source that gives 1 s of speech, then waits for the test: what comes out before then came
    // from that second alone (ffmpeg's default probing held back several seconds of input).
    for (const format of ['mp3', 'opus', 'aac', 'flac'] as const) {
      let release!: () => void;
      const nextChunk = new Promise<void>((resolve) => (release = resolve));
      const fallback = setTimeout(release, 20_000); // so that a regression fails instead of hanging
      async function* source() {
        yield audio.samples.subarray(0, 22_050);
        await nextChunk;
      }
      const before: Buffer[] = [];
      let released = false;
      void nextChunk.then(() => (released = true));
      for await (const bytes of encodeStream(source(), { sampleRate: 22_050, channels: 1 }, format)) {
        if (released) continue;
        before.push(Buffer.from(bytes));
        // Headers alone are not audio: go on once most of the second has come out.
        if (decodedSeconds(Buffer.concat(before), format, { partial: true }) >= 0.5) release();
      }
      clearTimeout(fallback);
      expect(decodedSeconds(Buffer.concat(before), format, { partial: true }), format).toBeGreaterThanOrEqual(0.5);
    }
  });
});
