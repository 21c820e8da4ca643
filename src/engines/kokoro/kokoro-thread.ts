// One Kokoro session in a worker thread: an ONNX Runtime session and an eSpeak phonemizer (GPL-3.0,
// espeak-ipa.ts), serving one chunk at a time, so the worker's event loop stays free for heartbeats.
// Started by kokoro-engine.ts through kokoro-thread.js.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { isBlend, parseBlend } from '../../cast/index.ts';
import { createEspeakIpa } from './espeak-ipa.ts';
import { mixStyles } from './mix-styles.ts';
import { KOKORO_VOCAB_FILE, voiceFile } from './model-files.ts';
import { ONNX_INT64, withExtraOutput } from './onnx-output.ts';
import type { IpaOverride } from './phonemes.ts';
import { type ModelOutput, speak } from './speak.ts';
import type { Vocab } from './tokens.ts';

export interface ThreadData {
  modelDir: string;
  modelFile: string;
  intraOpThreads: number;
  /** Sessions that share the cores must not spin waiting for work: they would take them from each other. */
  allowSpinning: boolean;
}
export interface ThreadRequest {
  id: number;
  text: string;
  /** Spans of `text` said with these phonemes (the document's dictionary). */
  ipa: IpaOverride[];
  voice: string;
  speed: number;
  abortFlag: Int32Array;
}

/** The graph's per-phoneme durations (KOKORO-NOTES), exposed as an extra output for word timings. */
const DURATIONS = '/encoder/Cast_output_0';

const port = parentPort!;
const { modelDir, modelFile, intraOpThreads, allowSpinning } = workerData as ThreadData;

try {
  const [ipaWords, vocabFile, model] = await Promise.all([
    createEspeakIpa(),
    readFile(join(modelDir, KOKORO_VOCAB_FILE), 'utf8'),
    readFile(join(modelDir, modelFile)),
  ]);
  const vocab = (JSON.parse(vocabFile) as { vocab: Vocab }).vocab;
  const session = await ort.InferenceSession.create(withExtraOutput(model, DURATIONS, ONNX_INT64), {
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    extra: { session: { intra_op: { allow_spinning: allowSpinning ? '1' : '0' } } },
  });
  // Keyed by the engine's spelling: a voice's name, or a blend's canonical recipe (mixed once).
  const voices = new Map<string, Float32Array>();
  const stylesOf = async (voice: string): Promise<Float32Array> => {
    let styles = voices.get(voice);
    if (!styles) {
      if (isBlend(voice)) {
        const parts = parseBlend(voice);
        if ('problem' in parts) throw new Error(`the voice blend "${voice}" ${parts.problem}`);
        styles = mixStyles(await Promise.all(parts.map(async (part) => ({ weight: part.weight, styles: await stylesOf(part.voice) }))));
      } else {
        const bytes = await readFile(voiceFile(modelDir, voice));
        styles = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
      }
      voices.set(voice, styles);
    }
    return styles;
  };
  const runModel = async (ids: number[], style: Float32Array, speed: number): Promise<ModelOutput> => {
    const tokens = BigInt64Array.from([0, ...ids, 0], (id) => BigInt(id));
    const output = await session.run({
      tokens: new ort.Tensor('int64', tokens, [1, tokens.length]),
      style: new ort.Tensor('float32', Float32Array.from(style), [1, style.length]),
      speed: new ort.Tensor('float32', Float32Array.of(speed), [1]),
    });
    return { audio: output.audio!.data as Float32Array, durations: output[DURATIONS]!.data as BigInt64Array };
  };

  // One request at a time: the engine sends the next only after an answer.
  port.on('message', async ({ id, text, ipa, voice, speed, abortFlag }: ThreadRequest) => {
    try {
      const styles = await stylesOf(voice);
      const { samples, words } = await speak(text, { name: voice, styles }, speed, {
        ipaWords,
        ipaOverrides: ipa,
        vocab,
        runModel,
        aborted: () => Atomics.load(abortFlag, 0) !== 0,
      });
      port.postMessage({ type: 'done', id, samples, words }, [samples.buffer as ArrayBuffer]);
    } catch (error) {
      port.postMessage({ type: 'error', id, message: (error as Error)?.message ?? String(error) });
    }
  });
  port.postMessage({ type: 'ready' });
} catch (error) {
  port.postMessage({ type: 'failed', message: `cannot load Kokoro from ${modelDir}: ${(error as Error)?.message ?? error}` });
}
