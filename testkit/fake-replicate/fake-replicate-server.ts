// A local server that speaks Replicate's HTTP API closely enough for the real `replicate` client:
// models and versions, predictions (create with or without `Prefer: wait`, get, cancel), problem+json
// errors (401, 402, 404, 422, 429 with `retry_after`, 503), output files, and counters for tests.
// Listens on 127.0.0.1 only. What it copies is listed in docs/testing.md ("The fake Replicate").

import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { encodeWav } from '../../src/audio/wav.ts';
import type { PcmAudio } from '../../src/contract/audio.ts';
import { fakeModelAudio, type OutputFormat } from './output-audio.ts';
import { TokenBucket } from './token-bucket.ts';

export interface FakeReplicateOptions {
  /** The only token accepted (`Authorization: Bearer <token>`). */
  token: string;
  port?: number;
  /** How long a prediction runs once started. */
  latencyMs?: number;
  jitterMs?: number;
  /** Share of create requests answered 503. */
  createErrorRate?: number;
  /** Share of predictions that end `failed`. */
  predictionFailureRate?: number;
  /** Create requests per minute and burst; unset means unlimited. */
  rateLimit?: { perMinute: number; burst: number };
  /** Answer every create with 402, like an account without credit. */
  insufficientCredit?: boolean;
  /** The input field the model requires (422 without it). */
  textField?: string;
  output?: OutputFormat;
  random?: () => number;
  /**
   * A model that speaks: the audio of `text` for its `take`-th prediction (0 = the first for that
   * text), served as WAV. Unset: the simulated engine's tones.
   */
  speech?: (text: string, take: number) => Promise<PcmAudio>;
  /** Each model's latest version id (change one to publish a new version); unset, a hash of the model's name. */
  latestVersions?: Record<string, string>;
}

export type PredictionStatus = 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled' | 'aborted';

interface Prediction {
  id: string;
  model: string;
  version: string;
  input: Record<string, unknown>;
  text: string;
  /** How many predictions of the same text came before this one. */
  take: number;
  status: PredictionStatus;
  output: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  predictTimeSec?: number;
  timers: NodeJS.Timeout[];
  waiters: Array<() => void>;
}

/** One create request as the fake saw it. */
export interface CreateRecord {
  atMs: number;
  text: string;
  /** owner/name, and the version id the prediction runs. */
  model: string;
  version: string;
  /** Every input field the prediction was given (the voice among them). */
  input: Record<string, unknown>;
  status: number;
  retryAfterSec?: number;
  predictionId?: string;
  preferWait: boolean;
}

export interface FakeReplicateStats {
  creates: CreateRecord[];
  gets: number;
  cancels: number;
  inFlight: number;
  maxInFlight: number;
}

export interface FakeReplicate {
  /** Base URL for the client, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  stats: FakeReplicateStats;
  options: FakeReplicateOptions;
  /** Create requests for this text (accepted or not). */
  createsFor(text: string): CreateRecord[];
  predictionStatuses(): PredictionStatus[];
  reset(): void;
  close(): Promise<void>;
}

/** A model's first version: the same for the same name on every run. */
const firstVersion = (model: string) => createHash('sha256').update(model).digest('hex');

export async function startFakeReplicate(options: FakeReplicateOptions): Promise<FakeReplicate> {
  const random = options.random ?? Math.random;
  const startedAt = performance.now();
  const predictions = new Map<string, Prediction>();
  const stats: FakeReplicateStats = { creates: [], gets: 0, cancels: 0, inFlight: 0, maxInFlight: 0 };
  let bucket = options.rateLimit ? new TokenBucket(options.rateLimit.perMinute, options.rateLimit.burst) : undefined;
  let base = '';

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => problem(response, 500, 'Internal Server Error', String(error)));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  base = `http://127.0.0.1:${port}`;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', base);
    const path = url.pathname;
    if (request.method === 'GET' && path.startsWith('/files/')) return await serveFile(path.slice('/files/'.length), response);
    if (request.headers.authorization !== `Bearer ${options.token}`) {
      return problem(response, 401, 'Unauthenticated', 'You did not pass a valid authentication token');
    }
    let match: RegExpMatchArray | null;
    if (request.method === 'POST' && (match = path.match(/^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/u))) {
      const body = await readJson(request);
      const model = `${match[1]}/${match[2]}`;
      return create(model, latestVersion(model), body, request, response);
    }
    if (request.method === 'POST' && path === '/v1/predictions') {
      const body = await readJson(request);
      const version = String(body.version ?? '');
      const [model, id] = version.includes(':') ? version.split(':') : ['unknown/model', version];
      if (!/^[0-9a-f]{8,64}$/u.test(id ?? '')) {
        return problem(
          response,
          422,
          'Invalid version or not permitted',
          'The specified version does not exist (or perhaps you do not have permission to use it?)',
        );
      }
      return create(model!, id!, body, request, response);
    }
    if (request.method === 'GET' && (match = path.match(/^\/v1\/predictions\/([^/]+)$/u))) {
      stats.gets++;
      const prediction = predictions.get(match[1]!);
      return prediction
        ? json(response, 200, view(prediction))
        : problem(response, 404, 'Not found', 'The requested resource could not be found.');
    }
    if (request.method === 'POST' && (match = path.match(/^\/v1\/predictions\/([^/]+)\/cancel$/u))) {
      const prediction = predictions.get(match[1]!);
      if (!prediction) return problem(response, 404, 'Not found', 'The requested resource could not be found.');
      stats.cancels++;
      if (!isTerminal(prediction.status)) finish(prediction, 'canceled');
      return json(response, 200, view(prediction));
    }
    if (request.method === 'GET' && (match = path.match(/^\/v1\/models\/([^/]+)\/([^/]+)$/u))) {
      return json(response, 200, modelView(`${match[1]}/${match[2]}`));
    }
    if (request.method === 'GET' && (match = path.match(/^\/v1\/models\/([^/]+)\/([^/]+)\/versions\/([^/]+)$/u))) {
      return json(response, 200, { id: match[3], created_at: new Date(0).toISOString(), cog_version: '0.9.0', openapi_schema: {} });
    }
    return problem(response, 404, 'Not found', 'The requested resource could not be found.');
  }

  function create(model: string, version: string, body: Record<string, unknown>, request: IncomingMessage, response: ServerResponse): void {
    const input = (body.input ?? {}) as Record<string, unknown>;
    const textField = options.textField ?? 'text';
    const text = typeof input[textField] === 'string' ? (input[textField] as string) : '';
    const preferWait = /^wait/u.test(String(request.headers.prefer ?? ''));
    const record: CreateRecord = { atMs: performance.now() - startedAt, text, model, version, input, status: 201, preferWait };
    stats.creates.push(record);
    const refuse = (status: number, title: string, detail: string, extra: Record<string, unknown> = {}) => {
      record.status = status;
      problem(response, status, title, detail, extra);
    };
    if (options.insufficientCredit) {
      return refuse(
        402,
        'Insufficient credit',
        'You have insufficient credit to run this model. Go to https://replicate.com/account/billing to purchase credit.',
      );
    }
    if (bucket) {
      const taken = bucket.take();
      if (!taken.ok) {
        record.retryAfterSec = taken.retryAfterSec;
        const { perMinute, burst } = options.rateLimit!;
        return refuse(
          429,
          'Request was throttled',
          `Request was throttled. Your rate limit for creating predictions is reduced to ${perMinute} requests per minute with a burst of ${burst} requests while you have less than $5.0 in credit. Your rate limit resets in ~${taken.retryAfterSec}s.`,
          { retry_after: taken.retryAfterSec },
        );
      }
    }
    if (random() < (options.createErrorRate ?? 0))
      return refuse(503, 'Service Unavailable', 'The service is temporarily unavailable. Please try again.');
    if (text.trim() === '') {
      return refuse(422, 'Input validation failed', `- input: ${textField} is required\n`, {
        invalid_fields: [{ type: 'required', field: textField, description: `${textField} is required` }],
      });
    }
    const prediction = startPrediction(model, version, input, text);
    record.predictionId = prediction.id;
    const waitSec = preferWait ? Number(/wait=(\d+)/u.exec(String(request.headers.prefer))?.[1] ?? 60) : 0;
    if (!waitSec) return json(response, 201, view(prediction));
    // Prefer: wait holds the request until the prediction ends or the wait runs out.
    const timer = setTimeout(() => json(response, 201, view(prediction), { 'Preference-Applied': `wait=${waitSec}` }), waitSec * 1000);
    prediction.waiters.push(() => {
      clearTimeout(timer);
      json(response, 201, view(prediction), { 'Preference-Applied': `wait=${waitSec}` });
    });
  }

  function startPrediction(model: string, version: string, input: Record<string, unknown>, text: string): Prediction {
    const prediction: Prediction = {
      id: randomUUID().replace(/-/gu, '').slice(0, 26),
      model,
      version,
      input,
      text,
      take: [...predictions.values()].filter((p) => p.text === text).length,
      status: 'starting',
      output: null,
      error: null,
      created_at: new Date().toISOString(),
      started_at: null,
      completed_at: null,
      timers: [],
      waiters: [],
    };
    predictions.set(prediction.id, prediction);
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    const latency = (options.latencyMs ?? 100) + random() * (options.jitterMs ?? 0);
    prediction.timers.push(
      setTimeout(
        () => {
          prediction.status = 'processing';
          prediction.started_at = new Date().toISOString();
        },
        Math.min(20, latency / 2),
      ),
      setTimeout(() => {
        prediction.predictTimeSec = latency / 1000;
        if (random() < (options.predictionFailureRate ?? 0)) {
          prediction.error = 'CUDA error: an illegal memory access was encountered (simulated)';
          finish(prediction, 'failed');
        } else {
          const format = options.output?.format ?? 'wav';
          prediction.output = `${base}/files/${prediction.id}.${format}`;
          finish(prediction, 'succeeded');
        }
      }, latency),
    );
    return prediction;
  }

  function finish(prediction: Prediction, status: PredictionStatus): void {
    prediction.timers.forEach(clearTimeout);
    prediction.status = status;
    prediction.completed_at = new Date().toISOString();
    stats.inFlight--;
    prediction.waiters.splice(0).forEach((wake) => wake());
  }

  async function serveFile(name: string, response: ServerResponse): Promise<void> {
    const prediction = predictions.get(name.replace(/\.\w+$/u, ''));
    if (prediction?.status !== 'succeeded') return problem(response, 404, 'Not found', 'No such file');
    if (options.speech) {
      const wav = encodeWav(await options.speech(prediction.text, prediction.take));
      response.writeHead(200, { 'Content-Type': 'audio/wav', 'Content-Length': wav.length });
      response.end(wav);
      return;
    }
    const { bytes, contentType } = fakeModelAudio(prediction.text, options.output ?? { format: 'wav', sampleRate: 24_000, channels: 1 });
    response.writeHead(200, { 'Content-Type': contentType, 'Content-Length': bytes.length });
    response.end(bytes);
  }

  function view(p: Prediction) {
    return {
      id: p.id,
      model: p.model,
      version: p.version,
      input: p.input,
      output: p.output,
      error: p.error,
      logs: '',
      status: p.status,
      data_removed: false,
      created_at: p.created_at,
      started_at: p.started_at,
      completed_at: p.completed_at,
      metrics: p.predictTimeSec === undefined ? {} : { predict_time: p.predictTimeSec },
      urls: { get: `${base}/v1/predictions/${p.id}`, cancel: `${base}/v1/predictions/${p.id}/cancel` },
    };
  }

  function latestVersion(model: string): string {
    return options.latestVersions?.[model] ?? firstVersion(model);
  }

  function modelView(model: string) {
    const [owner, name] = model.split('/');
    return {
      url: `https://replicate.com/${model}`,
      owner,
      name,
      description: 'fake TTS model',
      visibility: 'public',
      latest_version: { id: latestVersion(model) },
    };
  }

  return {
    url: `${base}/v1`,
    stats,
    options,
    createsFor: (text) => stats.creates.filter((c) => c.text === text),
    predictionStatuses: () => [...predictions.values()].map((p) => p.status),
    reset() {
      Object.assign(stats, { creates: [], gets: 0, cancels: 0, maxInFlight: stats.inFlight });
      bucket = options.rateLimit ? new TokenBucket(options.rateLimit.perMinute, options.rateLimit.burst) : undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        predictions.forEach((p) => p.timers.forEach(clearTimeout));
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// --- HTTP helpers ---

function isTerminal(status: PredictionStatus): boolean {
  return !['starting', 'processing'].includes(status);
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.headersSent) return;
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'ratelimit-remaining': '599', 'ratelimit-reset': '1', ...headers });
  response.end(text);
}

function problem(response: ServerResponse, status: number, title: string, detail: string, extra: Record<string, unknown> = {}): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'Content-Type': 'application/problem+json' });
  response.end(JSON.stringify({ title, detail, status, ...extra }));
}
