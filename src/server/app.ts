// The HTTP API and the page, as one Fastify app. A client of Temporal like any other: documents are
// workflows, audio comes from the stores the workers share, never through Temporal.

import { readFile } from 'node:fs/promises';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance } from 'fastify';
import type { BlobStore } from '../storage/blob-store.ts';
import { bearerTokenCheck } from './auth.ts';
import { Documents } from './documents.ts';
import { openAiRoutes } from './openai/index.ts';
import { Previews } from './previews.ts';
import { registerProblemHandlers } from './problem.ts';
import { MAX_UPLOAD_BYTES } from './request-input.ts';
import { audioRoutes } from './routes/audio.ts';
import { documentRoutes } from './routes/documents.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes } from './routes/health.ts';
import { liveRoutes } from './routes/live.ts';
import { voiceRoutes } from './routes/voices.ts';
import { isLoopbackHost, sameOriginCheck } from './same-origin.ts';

export interface ServerOptions {
  client: Client;
  /** Where documents are started (workers poll it). */
  taskQueue: string;
  /** The output directory and chunk store the workers write to (shared with them). */
  outputDir: string;
  /** AUDIO_LIBRARY_DIR: the audiobook library documents go into (shared with the workers, which write it). */
  libraryDir?: string;
  blobStore: BlobStore;
  /** When set, every /v1 route needs `Authorization: Bearer <apiToken>`. */
  apiToken?: string;
  /** The build new documents start on: a running document on another is reported as left on an older build. */
  currentBuild?: () => Promise<string | undefined>;
  /** The address it listens on (default 127.0.0.1): without a token, a loopback server answers only to loopback names. */
  listenHost?: string;
  /** Request logging: on (to stdout), off (the default), or to this stream. */
  logger?: boolean;
  logStream?: NodeJS.WritableStream;
  /** How long a voice preview request waits for the workers to make it (default a minute). */
  previewWaitMs?: number;
}

const PAGE = new URL('./page/index.html', import.meta.url);
const FAVICON = new URL('./page/favicon.svg', import.meta.url);

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // Live audio and event streams stay open; closing the server ends them.
    forceCloseConnections: true,
    bodyLimit: MAX_UPLOAD_BYTES,
    logger:
      options.logger || options.logStream
        ? {
            ...(options.logStream ? { stream: options.logStream } : {}),
            // No query strings in the log: `access_token` may ride there.
            serializers: { req: (req) => ({ method: req.method, url: req.url.split('?')[0], remoteAddress: req.ip }) },
          }
        : false,
  });
  registerProblemHandlers(app);
  app.addHook('onRequest', sameOriginCheck({ loopbackOnly: !options.apiToken && isLoopbackHost(options.listenHost ?? '127.0.0.1') }));
  await app.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 } });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'durable-tts', version: '1', description: 'Durable long-form text-to-speech on Temporal' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      ...(options.apiToken ? { security: [{ bearer: [] }] } : {}),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const documents = new Documents(options.client, options.taskQueue, options.currentBuild, options.libraryDir);
  await app.register(
    async (v1) => {
      if (options.apiToken) v1.addHook('onRequest', bearerTokenCheck(options.apiToken));
      documentRoutes(v1, documents, options.blobStore);
      eventRoutes(v1, documents);
      audioRoutes(v1, documents, options.outputDir, options.libraryDir);
      liveRoutes(v1, documents, options.blobStore);
      voiceRoutes(v1, new Previews(options.client, options.taskQueue, options.outputDir, options.currentBuild, options.previewWaitMs));
    },
    { prefix: '/v1' },
  );
  // OpenAI's speech API, in a scope of its own: its errors, its key check.
  await app.register(
    (openai) =>
      openAiRoutes(openai, { documents, blobStore: options.blobStore, ...(options.apiToken ? { apiToken: options.apiToken } : {}) }),
    { prefix: '/v1' },
  );
  healthRoutes(app, documents);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  const page = await readFile(PAGE, 'utf8');
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  const icon = await readFile(FAVICON, 'utf8');
  for (const path of ['/favicon.svg', '/favicon.ico'])
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      reply.type('image/svg+xml').header('Cache-Control', 'public, max-age=86400').send(icon),
    );
  return app;
}
