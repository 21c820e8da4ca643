// Whisper base on ONNX Runtime (the runtime Kokoro already uses), with nothing else: log-mel
// features (an ONNX graph our converter writes), the encoder, then greedy decoding with the merged
// decoder's key/value cache, and the tokens turned back into text (GPT-2 byte-level BPE).
// Reads the layout convert/ct2_to_onnx.py writes (optimum's: onnx/encoder_model_int8.onnx, ...).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

export const WHISPER_SAMPLE_RATE = 16_000;
/** Whisper hears 30 s at a time, zero-padded, as it was trained. */
export const WHISPER_WINDOW_SAMPLES = 30 * WHISPER_SAMPLE_RATE;
/** More text tokens than a 30 s window holds: a decoder stuck in a loop stops here. */
const MAX_TOKENS = 224;

interface WhisperConfig {
  suppress_tokens: number[];
  begin_suppress_tokens: number[];
  decoder_layers: number;
  decoder_attention_heads: number;
  d_model: number;
}

interface Tokenizer {
  model: { vocab: Record<string, number> };
  added_tokens: Array<{ id: number; content: string }>;
}

export class Whisper {
  private constructor(
    private readonly mel: ort.InferenceSession,
    private readonly encoder: ort.InferenceSession,
    private readonly decoder: ort.InferenceSession,
    private readonly tokens: { text: string[]; special: Record<string, number> },
    private readonly config: WhisperConfig,
  ) {}

  static async load(dir: string, threads = 1): Promise<Whisper> {
    const json = async <T>(name: string) => JSON.parse(await readFile(join(dir, name), 'utf8')) as T;
    const [config, tokenizer] = await Promise.all([json<WhisperConfig>('config.json'), json<Tokenizer>('tokenizer.json')]);
    const options: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    };
    // The front end and the encoder without the memory arena: it would keep ~270 MB of scratch for
    // nothing between chunks. The decoder keeps it (many small allocations: twice as fast with it).
    const [mel, encoder, decoder] = await Promise.all([
      ort.InferenceSession.create(join(dir, 'onnx', 'log_mel.onnx'), { ...options, enableCpuMemArena: false }),
      ort.InferenceSession.create(join(dir, 'onnx', 'encoder_model_int8.onnx'), { ...options, enableCpuMemArena: false }),
      ort.InferenceSession.create(join(dir, 'onnx', 'decoder_model_merged_int8.onnx'), options),
    ]);
    const text: string[] = [];
    for (const [token, id] of Object.entries(tokenizer.model.vocab)) text[id] = token;
    const special: Record<string, number> = {};
    for (const added of tokenizer.added_tokens) {
      text[added.id] = added.content;
      special[added.content] = added.id;
    }
    return new Whisper(mel, encoder, decoder, { text, special }, config);
  }

  /** The English text of at most 30 s of 16 kHz mono audio (floats in [-1, 1]): greedy, no timestamps. */
  async transcribe(samples: Float32Array): Promise<string> {
    if (samples.length > WHISPER_WINDOW_SAMPLES) throw new RangeError('Whisper hears at most 30 s at a time');
    const waveform = new Float32Array(WHISPER_WINDOW_SAMPLES);
    waveform.set(samples);
    const { input_features } = await this.mel.run({ waveform: new ort.Tensor('float32', waveform, [1, WHISPER_WINDOW_SAMPLES]) });
    const { last_hidden_state } = await this.encoder.run({ input_features: input_features! });
    return this.decode(await this.greedyTokens(last_hidden_state!));
  }

  async release(): Promise<void> {
    await Promise.all([this.mel.release(), this.encoder.release(), this.decoder.release()]);
  }

  private async greedyTokens(encoded: ort.Tensor): Promise<number[]> {
    const { special } = this.tokens;
    const { decoder_layers: layers, decoder_attention_heads: heads, d_model } = this.config;
    const suppress = new Set(this.config.suppress_tokens);
    const endOfText = special['<|endoftext|>']!;
    const prompt = ['<|startoftranscript|>', '<|en|>', '<|transcribe|>', '<|notimestamps|>'].map((token) => special[token]!);
    // The first step has no cache: empty past keys and values, and the cache branch off.
    const empty = () => new ort.Tensor('float32', new Float32Array(0), [1, heads, 0, d_model / heads]);
    const feeds: Record<string, ort.Tensor> = { encoder_hidden_states: encoded };
    for (let i = 0; i < layers; i++)
      for (const kind of ['decoder', 'encoder']) for (const kv of ['key', 'value']) feeds[`past_key_values.${i}.${kind}.${kv}`] = empty();
    let input = prompt;
    const tokens: number[] = [];
    for (let step = 0; step < MAX_TOKENS; step++) {
      feeds.input_ids = new ort.Tensor('int64', BigInt64Array.from(input, BigInt), [1, input.length]);
      feeds.use_cache_branch = new ort.Tensor('bool', Uint8Array.of(step > 0 ? 1 : 0), [1]);
      const out = await this.decoder.run(feeds);
      for (let i = 0; i < layers; i++)
        for (const kv of ['key', 'value']) {
          feeds[`past_key_values.${i}.decoder.${kv}`] = out[`present.${i}.decoder.${kv}`]!;
          // The encoder's keys and values are computed once, at the first step.
          if (step === 0) feeds[`past_key_values.${i}.encoder.${kv}`] = out[`present.${i}.encoder.${kv}`]!;
        }
      const next = bestToken(
        out.logits!,
        input.length,
        endOfText,
        (id) => suppress.has(id) || (step === 0 && this.config.begin_suppress_tokens.includes(id)),
      );
      if (next === endOfText) break;
      tokens.push(next);
      input = [next];
    }
    return tokens;
  }

  private decode(tokens: number[]): string {
    const bytes: number[] = [];
    for (const id of tokens) for (const char of this.tokens.text[id] ?? '') bytes.push(BYTE_OF_CHAR.get(char) ?? 63);
    return new TextDecoder().decode(Uint8Array.from(bytes)).trim();
  }
}

/**
 * How far the end of text must lead every text token to end: greedy decoding that ends on a near tie
 * drops the rest of the speech (on one CPU, Kokoro's "...came home safely, before the storm." ended
 * after "safely," with the end 0.43 above " before", where real ends led by 8.9-10.1).
 */
const END_MARGIN = 2;

/** The end of text when it leads by END_MARGIN; else the most likely text token (no timestamps, no other special token). */
function bestToken(logits: ort.Tensor, positions: number, endOfText: number, suppressed: (id: number) => boolean): number {
  const vocab = logits.dims[2]!;
  const row = (logits.data as Float32Array).subarray((positions - 1) * vocab, positions * vocab);
  let best = endOfText;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let id = 0; id < endOfText; id++) {
    if (suppressed(id)) continue;
    if (row[id]! > bestScore) {
      bestScore = row[id]!;
      best = id;
    }
  }
  return suppressed(endOfText) || row[endOfText]! < bestScore + END_MARGIN ? best : endOfText;
}

/** GPT-2's byte-level alphabet: each of the 256 bytes is a printable character in the vocabulary. */
const BYTE_OF_CHAR = (() => {
  const printable = [...range(33, 126), ...range(161, 172), ...range(174, 255)];
  const map = new Map<string, number>(printable.map((byte) => [String.fromCharCode(byte), byte]));
  let shifted = 0;
  for (let byte = 0; byte < 256; byte++) if (!printable.includes(byte)) map.set(String.fromCharCode(256 + shifted++), byte);
  return map;
})();

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
