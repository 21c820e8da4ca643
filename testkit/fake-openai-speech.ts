// A fake OpenAI-compatible speech server for tests: POST /v1/audio/speech answers as OpenAI does
// (WAV or raw 24 kHz PCM of the simulated engine's tones, OpenAI's error shape), with faults a test
// asks for: a 429 with Retry-After, a 5xx, a 4xx with a message, an answer held back. It records
// every request it gets. Listens on 127.0.0.1 only.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeWav } from '../src/audio/wav.ts';
import { simulatedAudio } from '../src/engines/simulated.ts';

export interface FakeSpeechRequest {
  body: Record<string, unknown>;
  authorization?: string;
  status: number;
}

/** What to answer instead of audio: `attempt` counts this text's requests from 1. */
export type SpeechFault = { status: number; message?: string; retryAfterSec?: number } | undefined;

export interface FakeOpenAiSpeechOptions {
  /** When set, requests need `Authorization: Bearer <key>`. */
  key?: string;
  fault?: (text: string, attempt: number) => SpeechFault;
  /** Answers `text` only once this settles: a test holds a chunk back, and knows its audio cannot be out. */
  hold?: (text: string) => Promise<void> | undefined;
}

export interface FakeOpenAiSpeech {
  /** Up to and including /v1: what OPENAI_BASE_URL takes. */
  url: string;
  requests: FakeSpeechRequest[];
  close(): Promise<void>;
}

export async function startFakeOpenAiSpeech(options: FakeOpenAiSpeechOptions = {}): Promise<FakeOpenAiSpeech> {
  const requests: FakeSpeechRequest[] = [];
  const attempts = new Map<string, number>();
  const server = createServer((request, response) => {
    void handle(request, response).catch(() => {
      if (!response.headersSent) error(response, 500, 'the fake failed');
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (request.method !== 'POST' || request.url !== '/v1/audio/speech') return error(response, 404, `no route ${request.url}`);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return error(response, 400, 'the body is not JSON');
    }
    const record: FakeSpeechRequest = {
      body,
      status: 200,
      ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
    };
    requests.push(record);
    const refuse = (status: number, message: string, code: string | null = null, headers: Record<string, string> = {}) => {
      record.status = status;
      error(response, status, message, code, headers);
    };
    if (options.key && request.headers.authorization !== `Bearer ${options.key}`)
      return refuse(401, 'Incorrect API key provided.', 'invalid_api_key');
    const text = typeof body.input === 'string' ? body.input : '';
    if (text.trim() === '') return refuse(400, 'input is empty');
    const attempt = (attempts.get(text) ?? 0) + 1;
    attempts.set(text, attempt);
    const fault = options.fault?.(text, attempt);
    if (fault) {
      return refuse(
        fault.status,
        fault.message ?? `fault ${fault.status}`,
        null,
        fault.retryAfterSec ? { 'retry-after': String(fault.retryAfterSec) } : {},
      );
    }
    await options.hold?.(text);
    const audio = simulatedAudio(text, 24_000);
    if (body.response_format === 'pcm') {
      response.writeHead(200, { 'content-type': 'audio/pcm' });
      return void response.end(Buffer.from(audio.samples.buffer, audio.samples.byteOffset, audio.samples.byteLength));
    }
    response.writeHead(200, { 'content-type': 'audio/wav' });
    response.end(encodeWav(audio));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function error(
  response: ServerResponse,
  status: number,
  message: string,
  code: string | null = null,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify({ error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code } }));
}
