// The main job, `npm start [-- <file> --out <path>]`: everything in one process. Starts a Temporal
// dev server unless TEMPORAL_ADDRESS names one, runs a worker in-process, speaks the file (the
// sample reading by default) with a progress bar, and reports the audio file and the wall time.

import { randomUUID } from 'node:crypto';
import { basename, dirname, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { Command } from 'commander';
import { addDocumentOptions, documentInput, type DocumentFlags } from './client/document-options.ts';
import { describeFailure, describeResult } from './client/print-result.ts';
import { followProgress } from './client/progress-bar.ts';
import { startDocument } from './client/start-document.ts';
import { documentWorkflowId } from './client/workflow-id.ts';
import { temporalSettings, workerSettings } from './config.ts';
import { replicateConfig } from './engines/replicate/replicate-config.ts';
import { resolveDocumentInput } from './document/input.ts';
import type { AudioDocumentResult } from './document/result.ts';
import { ensureTemporalCli } from './temporal/cli.ts';
import { createAudioWorker } from './temporal/audio-worker.ts';
import { isServing, startDevServer, type DevServer } from './temporal/dev-server.ts';

const SAMPLE = 'samples/reading.txt';

interface MainFlags extends DocumentFlags {
  keepServer?: boolean;
}

async function main(file: string, flags: MainFlags) {
  const wallStart = performance.now();
  // --out is a path here: the in-process worker writes straight into its directory.
  const out = flags.out ? resolve(flags.out) : undefined;
  const input = await documentInput(file, flags, out && basename(out));
  resolveDocumentInput(input); // bad flags fail before a server starts
  Runtime.install({ logger: new DefaultLogger('WARN') }); // keep the progress bar readable

  const temporal = temporalSettings();
  const server = temporal.address ? undefined : await startOwnServer();
  const address = temporal.address ?? server!.address;
  if (!server && !(await isServing(address, temporal.namespace))) {
    throw new Error(`No Temporal server answers at TEMPORAL_ADDRESS=${address} (namespace ${temporal.namespace})`);
  }
  // On a shared server our in-process worker gets a queue of its own, so it runs our document only.
  const taskQueue = server ? temporal.taskQueue : `${temporal.taskQueue}-main-${randomUUID().slice(0, 8)}`;
  const settings = workerSettings();
  const replicate = replicateConfig();
  const connection = await NativeConnection.connect({ address });
  const audioWorker = await createAudioWorker({
    connection,
    namespace: temporal.namespace,
    taskQueue,
    ...settings,
    outputDir: out ? dirname(out) : settings.outputDir,
    ...(replicate ? { replicate } : {}),
  });
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection, namespace: temporal.namespace });
  try {
    await audioWorker.runUntil(async () => {
      const workflowId = documentWorkflowId(file, input, true);
      const { handle } = await startDocument(client, input, taskQueue, workflowId);
      console.error(`Speaking ${file} as workflow ${workflowId}`);
      if (server?.uiUrl) console.error(`Follow it in the Temporal UI: ${server.uiUrl}/namespaces/${temporal.namespace}/workflows/${workflowId}`);
      const result = await followProgress(handle, handle.result() as Promise<AudioDocumentResult>);
      console.log(describeResult(result));
      console.log(`Wall time: ${((performance.now() - wallStart) / 1000).toFixed(1)} s`);
      // The worker stays up too, so queries (the UI's Queries tab, `client status`) still answer.
      if (server && flags.keepServer) await keepServing(server);
    });
  } finally {
    await audioWorker.close();
    await clientConnection.close();
    await connection.close();
    await server?.stop();
  }
}

/** A dev server of this job's own (own ports, own SQLite file), gone with the job. */
async function startOwnServer(): Promise<DevServer> {
  const server = await startDevServer({ cliPath: await ensureTemporalCli(), ui: true });
  console.error(`Temporal dev server at ${server.address}, UI at ${server.uiUrl}`);
  return server;
}

async function keepServing(server: DevServer): Promise<void> {
  console.error(`Temporal server, UI (${server.uiUrl}) and worker stay up; press Ctrl-C to stop them.`);
  await new Promise<void>((done) => process.once('SIGINT', () => done()));
}

addDocumentOptions(new Command('start'))
  .description('speak a text file through Temporal with an in-process worker (default: the sample reading)')
  .argument('[file]', 'text file to speak', SAMPLE)
  .option('--keep-server', 'keep the dev server, its UI and the worker running after the document is done')
  .action(main)
  .parseAsync()
  .catch((err) => {
    console.error(describeFailure(err));
    process.exit(1);
  });
