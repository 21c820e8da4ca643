// The production engine: any Replicate TTS model. Creates the prediction without holding the request
// open, checkpoints its id at once (a retried attempt resumes it instead of paying again), polls with
// its own deadline, downloads and decodes the audio. Cancelling the activity cancels the prediction.

import { setTimeout as sleep } from 'node:timers/promises';
import Replicate from 'replicate';
import { decodeAudioFile } from '../../audio/decode.ts';
import type { EnginePin } from '../../contract/input-schema.ts';
import { respell } from '../../text/respell.ts';
import {
  PermanentEngineError,
  RateLimitedError,
  type SynthesisRequest,
  type SynthesizedAudio,
  TransientEngineError,
  type TtsEngine,
} from '../engine.ts';
import { CreatePacer } from './create-pacer.ts';
import { oneRequestPerCall } from './one-request-fetch.ts';
import type { ReplicateConfig } from './replicate-config.ts';
import { mapReplicateError } from './replicate-errors.ts';
import { type PinnedModel, pinnedApi, pinnedModel, replicatePinSettings } from './replicate-pin.ts';

interface Prediction {
  id: string;
  status: 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled' | 'aborted';
  output?: unknown;
  error?: unknown;
  data_removed?: boolean;
  metrics?: { predict_time?: number };
}

/** Saved in the activity's heartbeat details. */
interface ReplicateCheckpoint {
  predictionId: string;
}

const USABLE = ['starting', 'processing', 'succeeded'];
/** The version of a model that has none to name (Replicate's official models). */
const LATEST = 'latest';
const FIRST_POLL_MS = 200;
const REQUEST_TIMEOUT_MS = 60_000;

export class ReplicateEngine implements TtsEngine {
  readonly name = 'replicate' as const;
  private readonly client: Replicate;
  private readonly pacer: CreatePacer;

  constructor(private readonly config: ReplicateConfig) {
    this.pacer = new CreatePacer(60_000 / config.ratePerMinute);
    this.client = new Replicate({
      auth: config.token,
      ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
      fetch: oneRequestPerCall(),
      useFileOutput: false,
    });
  }

  /** REPLICATE_MODEL, its "latest" resolved to the version id it is today (a book keeps one voice). */
  async pin(voice: string | undefined, signal: AbortSignal): Promise<EnginePin> {
    return this.ownPin(voice, this.config.version ?? (await this.latestVersion(this.config.model, signal)));
  }

  /** Any model of the same provider: the model travels with the document; the token and the extra input are the worker's. */
  cannotServe(pin: EnginePin): string | undefined {
    const ours = this.ownPin(undefined, LATEST).settings!;
    if (pinnedApi(pin) !== ours.api)
      return `this document was started on the Replicate API at ${pinnedApi(pin)}, but this worker calls ${ours.api}`;
    if (pin.settings?.inputSha256 !== ours.inputSha256)
      return 'this document was started with another REPLICATE_INPUT_JSON than this worker has: give the workers the same one';
    return undefined;
  }

  private ownPin(voice: string | undefined, version: string): EnginePin {
    const { model } = this.config;
    return { engine: 'replicate', model, version, ...(voice ? { voice } : {}), settings: replicatePinSettings(this.config) };
  }

  async synthesize(request: SynthesisRequest): Promise<SynthesizedAudio> {
    const { pin, voice, speed, signal, resumeFrom, checkpoint, documentCancelled } = request;
    const model = pinnedModel(pin ?? this.ownPin(undefined, this.config.version ?? LATEST));
    let prediction = await this.resume(resumeFrom, signal);
    if (!prediction) {
      prediction = await this.create(model, spokenText(model, request), voice, speed, signal);
      checkpoint?.({ predictionId: prediction.id } satisfies ReplicateCheckpoint);
    }
    try {
      const finished = await this.waitUntilDone(prediction, signal);
      const audio = await decodeAudioFile(await this.download(model, finished, signal));
      return { ...audio, ...(finished.metrics?.predict_time === undefined ? {} : { predictTimeSec: finished.metrics.predict_time }) };
    } catch (error) {
      // Only when the document was cancelled: after a timeout or a worker shutdown the retry resumes it.
      if (signal.aborted && documentCancelled?.()) await this.cancel(prediction.id);
      throw error;
    }
  }

  /** The prediction an earlier attempt created, if it can still deliver. */
  private async resume(resumeFrom: unknown, signal: AbortSignal): Promise<Prediction | undefined> {
    const id = (resumeFrom as ReplicateCheckpoint | undefined)?.predictionId;
    if (typeof id !== 'string') return undefined;
    let prediction: Prediction;
    try {
      prediction = await this.get(id, signal);
    } catch (error) {
      if (error instanceof PermanentEngineError && error.type === 'ReplicateNotFound') return undefined; // gone: start over
      throw error;
    }
    const expired = prediction.status === 'succeeded' && (prediction.data_removed || prediction.output == null);
    return USABLE.includes(prediction.status) && !expired ? prediction : undefined;
  }

  /** Without `Prefer: wait`: the id comes back at once, so a crash right after cannot lose it. */
  private async create(
    { model, version, textField, voiceField, speedField }: PinnedModel,
    text: string,
    voice: string | undefined,
    speed: number | undefined,
    signal: AbortSignal,
  ): Promise<Prediction> {
    const input = {
      ...this.config.extraInput,
      [textField]: text,
      ...(voice ? { [voiceField]: voice } : {}),
      ...(speed ? { [speedField]: speed } : {}),
    };
    // No signal on the request itself: aborting after it was sent could lose a prediction we pay for.
    return this.pacer.run(async () => {
      try {
        // owner/name:version, which the API accepts as a version (a model without versions runs its own "latest").
        const run = version === LATEST ? { model, input } : { version: `${model}:${version}`, input };
        return (await this.client.predictions.create(run)) as Prediction;
      } catch (error) {
        const mapped = mapReplicateError(error, 'create');
        if (mapped instanceof RateLimitedError) this.pacer.holdFor(mapped.retryAfterMs);
        throw mapped;
      }
    }, signal);
  }

  private async waitUntilDone(prediction: Prediction, signal: AbortSignal): Promise<Prediction> {
    const deadline = Date.now() + this.config.predictionDeadlineMs;
    let current = prediction;
    let interval = FIRST_POLL_MS; // short predictions finish sooner than one full interval
    while (current.status === 'starting' || current.status === 'processing') {
      // Output can appear while still `processing`: only `succeeded` means the file is complete.
      if (Date.now() > deadline) {
        throw new TransientEngineError(
          `Replicate prediction ${current.id} still ${current.status} after ${this.config.predictionDeadlineMs} ms`,
        );
      }
      await sleep(interval, undefined, { signal });
      interval = Math.min(this.config.pollIntervalMs, interval * 1.5);
      current = await this.get(current.id, signal);
    }
    if (current.status !== 'succeeded') {
      // failed, canceled or aborted: the next attempt finds it unusable and creates a new one.
      throw new TransientEngineError(
        `Replicate prediction ${current.id} ${current.status}${current.error ? `: ${String(current.error)}` : ''}`,
      );
    }
    if (current.data_removed || current.output == null) {
      throw new TransientEngineError(`Replicate prediction ${current.id} succeeded but its output is gone (data_removed)`);
    }
    return current;
  }

  private async download(model: PinnedModel, prediction: Prediction, signal: AbortSignal): Promise<Uint8Array> {
    const url = outputUrl(model, prediction.output);
    let response: Response;
    try {
      response = await fetch(url, { signal: withTimeout(signal) });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new TransientEngineError(`downloading ${url} failed: ${(error as Error).message}`);
    }
    if (!response.ok) throw new TransientEngineError(`downloading ${url} failed with HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  /** The version a model runs when none is named; official models without versions keep LATEST. */
  private async latestVersion(model: string, signal: AbortSignal): Promise<string> {
    const [owner, name] = model.split('/') as [string, string];
    try {
      const found = (await this.client.models.get(owner, name, { signal: withTimeout(signal) })) as { latest_version?: { id?: string } };
      return found.latest_version?.id ?? LATEST;
    } catch (error) {
      if (signal.aborted) throw error;
      throw mapReplicateError(error, 'get');
    }
  }

  private async get(id: string, signal: AbortSignal): Promise<Prediction> {
    try {
      return (await this.client.predictions.get(id, { signal: withTimeout(signal) })) as Prediction;
    } catch (error) {
      if (signal.aborted) throw error;
      throw mapReplicateError(error, 'get');
    }
  }

  /** Best effort: the activity is already being cancelled. */
  private async cancel(id: string): Promise<void> {
    await this.client.predictions.cancel(id, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }).catch(() => undefined);
  }
}

/**
 * The text with the dictionary's entries: Kokoro models (misaki) read `[word](/IPA/)` markup, so an
 * IPA entry goes as that; otherwise an entry is said by its respelling, or as written.
 */
function spokenText({ model }: PinnedModel, { text, pronunciations = [] }: SynthesisRequest): string {
  const markup = /kokoro/iu.test(model);
  return respell(text, pronunciations, (span) => (span.ipa && markup ? `[${span.written}](/${span.ipa}/)` : (span.say ?? span.written)))
    .text;
}

/** A URL string, a list of them, or an object with the configured field (the client's FileOutput wrapping is off). */
function outputUrl({ outputField }: PinnedModel, output: unknown): string {
  const first = Array.isArray(output) ? output[0] : output;
  if (typeof first === 'string') return first;
  if (first && typeof first === 'object') {
    const record = first as Record<string, unknown>;
    const field = outputField ?? Object.keys(record).find((key) => typeof record[key] === 'string');
    if (field && typeof record[field] === 'string') return record[field] as string;
  }
  throw new TransientEngineError(
    `cannot find an audio URL in the model's output (set REPLICATE_OUTPUT_FIELD): ${JSON.stringify(output)?.slice(0, 200)}`,
  );
}

/** A stalled connection fails the request (and the attempt is retried) instead of holding it until the activity times out. */
function withTimeout(signal: AbortSignal): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]);
}
