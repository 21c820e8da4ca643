// The OpenAI-compatible speech API, for clients that speak it (Open WebUI, SillyTavern, LiveKit, the
// official SDKs): POST /v1/audio/speech streams a document's audio as it is spoken; GET /v1/models
// and GET /v1/audio/voices list what `model` and `voice` may be. Each speech request is a durable
// document like any other (the same workflow, in the list and the Temporal UI). API_TOKEN is the
// API key; errors take OpenAI's shape. The two lists answer without a key: Open WebUI asks for
// them without one, and they hold nothing but names.

import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { clientDefaults } from '../../config/settings.ts';
import { ENGINES, type EngineName, resolveDocumentInput } from '../../document/input.ts';
import { titleOfDocument } from '../../document/title.ts';
import { REMOTE_ENGINE_SETTINGS } from '../../engines/remote-engines.ts';
import { castVoicesProblem } from '../../engines/voices/cast-voices.ts';
import { engineVoices, replicateSpeaksKokoro } from '../../engines/voices/index.ts';
import { encodeStream, PCM_STREAM_FORMAT, STREAM_FORMATS, STREAM_MEDIA_TYPES } from '../../formats/stream-encoder.ts';
import type { BlobStore } from '../../storage/blob-store.ts';
import type { Documents } from '../documents.ts';
import { firstChunk, liveFormat, livePcm, liveSource } from '../live-audio.ts';
import { clientGone } from '../polling.ts';
import { fingerprintOf } from '../request-input.ts';
import { apiKeyCheck, OpenAiProblem, registerOpenAiErrors } from './openai-errors.ts';
import { OPENAI_MODELS, speechDocument } from './speech-request.ts';
import { OPENAI_VOICES, voiceFor } from './voice-aliases.ts';

export interface OpenAiDeps {
  documents: Documents;
  blobStore: BlobStore;
  apiToken?: string;
}

const ErrorSchema = Type.Object({
  error: Type.Object({
    message: Type.String(),
    type: Type.String(),
    param: Type.Union([Type.String(), Type.Null()]),
    code: Type.Union([Type.String(), Type.Null()]),
  }),
});

const SpeechBody = Type.Object({
  model: Type.String({
    description: `An engine (${ENGINES.join(', ')}) or an OpenAI model (${OPENAI_MODELS.join(', ')}: the default engine)`,
  }),
  input: Type.String({ description: 'The text; a long one is spoken as a durable document like any other, streaming as it goes' }),
  voice: Type.String({ description: `One of OpenAI's voices (${OPENAI_VOICES.join(', ')}), translated to ours, or a voice of ours` }),
  response_format: Type.Optional(Type.Enum(STREAM_FORMATS, { default: 'mp3' })),
  speed: Type.Optional(Type.Number({ description: "OpenAI's 0.25 to 4; our engines' range is 0.5 to 2, so beyond it the nearest end" })),
  instructions: Type.Optional(Type.String({ description: 'Accepted and ignored: no engine of ours takes directions' })),
});

/** The engines some worker offers now, then OpenAI's model names (the default engine). */
async function offeredModels(documents: Documents): Promise<string[]> {
  const offered = await Promise.all(ENGINES.map(async (engine) => ((await documents.offers(engine)) ? [engine] : [])));
  return [...offered.flat(), ...OPENAI_MODELS];
}

function notOffered(engine: keyof typeof REMOTE_ENGINE_SETTINGS): string {
  const setting = REMOTE_ENGINE_SETTINGS[engine];
  return `model "${engine}" is not offered here: no worker has it (a worker speaks with it once ${setting} is set).`;
}

/** The routes, under /v1, in a scope of their own (OpenAI's errors and key check). */
export async function openAiRoutes(app: FastifyInstance, { documents, blobStore, apiToken }: OpenAiDeps): Promise<void> {
  registerOpenAiErrors(app);
  const needsKey = apiToken ? apiKeyCheck(apiToken) : undefined;

  app.post(
    '/audio/speech',
    {
      ...(needsKey ? { onRequest: needsKey } : {}),
      schema: {
        summary: 'Speak a text (OpenAI-compatible)',
        description:
          "OpenAI's speech request. The audio streams in `response_format` from the first spoken chunk on (WAV with an open length, " +
          "raw 24 kHz PCM, MP3, Opus in Ogg, AAC in ADTS, FLAC), at the engines' own level (the document's file is normalised " +
          'once it is whole). `X-Document-Id` names the document.',
        body: SpeechBody,
        response: { 200: { description: 'The audio, chunked', type: 'string', format: 'binary' }, 400: ErrorSchema, 401: ErrorSchema },
      },
      validatorCompiler: () => () => true, // checked by speechDocument, with OpenAI's errors
    },
    async (request, reply) => {
      const { input, format } = speechDocument(request.body);
      resolveDocumentInput(input); // a bad voice name or speed: a 400 naming the parameter, nothing started
      // A remote engine no worker has a key for would leave the request waiting for ever.
      if (!(await documents.offers(input.engine!))) {
        throw new OpenAiProblem(400, notOffered(input.engine as keyof typeof REMOTE_ENGINE_SETTINGS), 'model', 'model_not_found');
      }
      const problem = await castVoicesProblem(input);
      if (problem) throw new OpenAiProblem(400, problem.message, problem.field === 'text' ? 'input' : 'voice');
      // The one title rule, told to the workflow too: the list and the tags agree.
      const title = titleOfDocument(input.text!);
      input.output = { ...input.output, title };
      const { id } = await documents.start(input, title, fingerprintOf(input));
      const { handle } = await documents.find(id);
      const live = liveSource(documents, handle, clientGone(reply));
      const first = await firstChunk(live, handle).catch(async (error: unknown) => {
        // A document that failed before its first chunk: the engine's words, as OpenAI's server error.
        const detail = await documents.detail(id).catch(() => undefined);
        throw detail?.error ? new OpenAiProblem(500, `document ${id} failed: ${detail.error}`) : error;
      });
      const pcm = format === 'pcm' ? PCM_STREAM_FORMAT : liveFormat(first);
      void reply
        .header('Content-Type', STREAM_MEDIA_TYPES[format])
        .header('Cache-Control', 'no-store')
        .header('X-Accel-Buffering', 'no')
        .header('X-Document-Id', id);
      return reply.send(encodeStream(livePcm(first, pcm, live, blobStore), pcm, format));
    },
  );

  app.get(
    '/models',
    { schema: { summary: 'Models (OpenAI-compatible): our engines, and OpenAI model names that mean the default engine', security: [] } },
    async () => ({
      object: 'list',
      data: (await offeredModels(documents)).map((id) => ({ id, object: 'model', created: 0, owned_by: 'durable-tts' })),
    }),
  );

  app.get(
    '/audio/models',
    { schema: { summary: 'Speech models, as Open WebUI asks for them: `{ models: [{ id, name }] }`' } },
    async () => ({ models: (await offeredModels(documents)).map((id) => ({ id, name: id })) }),
  );

  app.get(
    '/audio/voices',
    {
      schema: {
        summary: "Voices (OpenAI-compatible, as Open WebUI reads them): OpenAI's names with the voice each becomes, then ours",
        security: [],
        querystring: Type.Object({ model: Type.Optional(Type.String()) }),
      },
    },
    async (request) => {
      const { model } = request.query as { model?: string };
      const engine: EngineName =
        model && (ENGINES as readonly string[]).includes(model) ? (model as EngineName) : clientDefaults(process.env).engine;
      const speaksKokoro = replicateSpeaksKokoro(process.env);
      const aliases = OPENAI_VOICES.map((id) => {
        const ours = voiceFor(engine, id, speaksKokoro);
        return { id, name: ours === id ? id : `${id} (${ours})` };
      });
      const own = ((await engineVoices(engine)) ?? []).map((voice) => ({ id: voice.name, name: voice.name }));
      return { voices: [...aliases, ...own] };
    },
  );
}
