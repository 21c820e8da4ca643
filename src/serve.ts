// The HTTP server, `npm run serve`: the API under /v1, its OpenAPI description and the page.
// TEMPORAL_ADDRESS unset: the embedded default, as `npm start` runs it (our own dev server whose
// history survives restarts, an in-process worker, the local engine). Set: only a client of that
// cluster; the workers run elsewhere and share the output directory and chunk store with us.

import { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { describeFailure } from './client/print-result.ts';
import { clientDefaults, serverSettings, temporalSettings, workerSettings } from './config/settings.ts';
import { latencyFirstKokoro } from './engines/kokoro/kokoro-engine.ts';
import { buildServer } from './server/app.ts';
import { openBlobStore } from './storage/open-blob-store.ts';
import { clientExportLine, openEmbedded } from './temporal/embedded.ts';
import { signalExitCode } from './temporal/stop-signals.ts';
import { currentBuild } from './temporal/worker-deployment.ts';

async function serve(flags: { fresh?: boolean }) {
  const settings = serverSettings();
  const storage = workerSettings();
  // Our worker says when it loads a model, and loads the default engine's as it starts: the first
  // short request does not wait for it, and none after it (models stay loaded). Kokoro runs one
  // session on every core, so that a short request is spoken at once.
  const embedded = await openEmbedded({
    worker: 'when-own-server',
    fresh: flags.fresh === true,
    engines: {
      log: (line) => console.error(line),
      warm: [clientDefaults(process.env).engine],
      kokoro: latencyFirstKokoro(),
    },
  });
  let app: FastifyInstance | undefined;
  try {
    app = await buildServer({
      client: embedded.client,
      taskQueue: embedded.taskQueue,
      outputDir: storage.outputDir,
      ...(storage.libraryDir ? { libraryDir: storage.libraryDir } : {}),
      blobStore: openBlobStore(storage.blobLocation),
      ...(settings.apiToken ? { apiToken: settings.apiToken } : {}),
      // Our in-process worker's build, else the one the server routes new documents to.
      currentBuild: async () =>
        embedded.buildId ?? (await currentBuild(embedded.client.connection, embedded.namespace, temporalSettings().deploymentName)),
      listenHost: settings.host,
      logger: true,
    });
    const url = await app.listen({ port: settings.port, host: settings.host });
    console.error(
      embedded.ownServer
        ? `Temporal: our dev server ${embedded.address}, UI at ${embedded.uiUrl}`
        : `Temporal: ${embedded.address} (client only: workers run elsewhere)`,
    );
    // The client's default address is 7233; our server has a port of its own (dev-server.ts says why).
    if (embedded.ownServer) console.error(`Client:  ${clientExportLine(embedded)}   (then npm run client -- list, in another shell)`);
    if (settings.apiToken) console.error('API_TOKEN is set: /v1 needs "Authorization: Bearer <token>"');
    console.error(`API:     ${url}/v1/documents (OpenAPI at ${url}/openapi.json, browsable at ${url}/docs)`);
    console.error(`Page:    ${url}/`); // last: the line to open
    const signal = await Promise.race([embedded.stopRequested, embedded.workerFailed]);
    console.error(
      `${signal}: stopping the HTTP server, then the worker and Temporal; documents still running resume on the next \`npm run serve\``,
    );
    process.exitCode = signalExitCode(signal);
  } finally {
    await app?.close();
    await embedded.close();
  }
}

new Command('serve')
  .description('serve the HTTP API and the page (default http://127.0.0.1:8080/)')
  .option('--fresh', 'start over with an empty history on our own dev server')
  .action(serve)
  .parseAsync()
  .catch((error) => {
    console.error(describeFailure(error));
    process.exit(1);
  });
