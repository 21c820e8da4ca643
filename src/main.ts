// The main job, `npm start [-- <file> --out <path>]`: everything in one process (src/temporal/embedded.ts):
// a Temporal dev server of its own unless TEMPORAL_ADDRESS names one, an in-process worker, and the
// file (the sample reading by default) spoken with a progress bar, ending with the audio file and
// the wall time. Meanwhile the page of `npm run serve` plays the document as it renders, at a URL
// printed near the start (--no-listen: none). Ctrl-C stops it cleanly; the same command again resumes the document where it
// stopped (the server's history is kept in the cache directory; `--fresh` starts over).

import { setMaxListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import { basename, dirname, relative, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { FastifyInstance } from 'fastify';
import { nameNarrator } from './client/book-details.ts';
import { checkVoices } from './client/check-voices.ts';
import { addDocumentOptions, type DocumentFlags, describeSource, documentInput, sourceMemo } from './client/document-options.ts';
import { chunksDone, progressWithin } from './client/document-state.ts';
import { mainJobEngine } from './client/main-engine.ts';
import { pinEngine } from './client/pin-engine.ts';
import { describeFailure, describeResult } from './client/print-result.ts';
import { followProgress } from './client/progress-bar.ts';
import { startDocument } from './client/start-document.ts';
import { documentWorkflowId } from './client/workflow-id.ts';
import { apiTokenSetting, temporalSettings, workerSettings } from './config/settings.ts';
import { engineLabel } from './contract/engine-label.ts';
import type { AudioDocumentResult } from './contract/result.ts';
import { type AudioDocumentInput, resolveDocumentInput } from './document/input.ts';
import { buildServer, type ServerOptions } from './server/app.ts';
import { openBlobStore } from './storage/open-blob-store.ts';
import { clientExportLine, type Embedded, openEmbedded } from './temporal/embedded.ts';
import { signalExitCode } from './temporal/stop-signals.ts';

const SAMPLE = 'samples/reading.txt';

interface MainFlags extends DocumentFlags {
  keepServer?: boolean;
  fresh?: boolean;
  /** False with --no-listen. */
  listen?: boolean;
  listenPort?: number;
}

async function main(file: string, flags: MainFlags) {
  const wallStart = performance.now();
  // --out is a path here: the in-process worker writes straight into its directory.
  const out = flags.out ? resolve(flags.out) : undefined;
  // A book's text goes to the chunk store the in-process worker reads (AUDIO_BLOB_URL or AUDIO_BLOB_DIR).
  const blobStore = openBlobStore(workerSettings().blobLocation);
  const { input, source, text } = await documentInput(file, flags, out && basename(out), blobStore);
  const read = describeSource(file, source);
  if (read) console.error(read);
  for (const notice of resolveDocumentInput(input).notices) console.error(`Note: ${notice}`); // bad flags fail before a server starts
  input.engine = (await mainJobEngine(flags.engine, flags.voice)) ?? input.engine; // Kokoro, fetched now if need be
  await checkVoices(input, text); // a misspelt voice, in a tag or the voice map, fails here
  await pinEngine(input); // the engine's model version is part of the document, and of its id
  nameNarrator(input); // the voice it is pinned to
  const outputDir = resolve(out ? dirname(out) : workerSettings().outputDir);
  const libraryDir = flags.library ? resolve(flags.library) : undefined;
  // The same text, settings and output directory give the same id, so the next run finds this one.
  const workflowId = documentWorkflowId(file, input, { scope: libraryDir ? `${outputDir}\0${libraryDir}` : outputDir });

  const embedded = await openEmbedded({
    fresh: flags.fresh === true,
    worker: 'always',
    outputDir,
    ...(libraryDir ? { libraryDir } : {}),
    // A queue of this document's own, the same on every run: only our worker runs it (on a shared
    // server, and on our own, whose kept history may hold unfinished documents of other runs,
    // which would otherwise run here too, into this run's output directory), and the worker of
    // the next run of the same command picks it up.
    taskQueue: `${temporalSettings().taskQueue}-main-${workflowId}`,
  });
  if (!embedded.ownServer) console.error(`Using the Temporal server at ${embedded.address} (TEMPORAL_ADDRESS)`);
  const following = new AbortController();
  // The Temporal client adds a listener to this signal for every long poll of the result and never
  // removes it: a book's hours of polling would pass Node's warning threshold of 10.
  setMaxListeners(0, following.signal);
  let page: FastifyInstance | undefined;
  let spoken: Promise<{ result: AudioDocumentResult } | { error: unknown }> | undefined;
  let exitCode = 0;
  try {
    page =
      flags.listen === false
        ? undefined
        : await servePage(embedded, { outputDir, blobStore, ...(libraryDir ? { libraryDir } : {}) }, flags.listenPort);
    const run: MainRun = {
      embedded,
      file,
      input,
      workflowId,
      replace: flags.new === true || (flags.fresh === true && !embedded.ownServer),
      signal: following.signal,
      ...(page ? { listenUrl: `${pageUrl(page)}/#listen=${encodeURIComponent(workflowId)}` } : {}),
    };
    spoken = speak(run).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    const outcome = await Promise.race([spoken, embedded.stopRequested, embedded.workerFailed]);
    if (typeof outcome === 'string') {
      following.abort(new Error(`stopped by ${outcome}`));
      console.error(await stoppedLine(run));
      exitCode = signalExitCode(outcome);
    } else if ('error' in outcome) {
      throw outcome.error;
    } else {
      console.log(describeResult(outcome.result));
      console.log(`Wall time: ${((performance.now() - wallStart) / 1000).toFixed(1)} s`);
      if (flags.keepServer && embedded.ownServer) {
        // The worker stays up too, so queries (the UI's Queries tab, `client status`) still answer.
        console.error(`Temporal server, UI (${embedded.uiUrl}) and worker stay up; press Ctrl-C to stop them.`);
        console.error(`Client: ${clientExportLine(embedded)}   (then npm run client -- status ${workflowId}, in another shell)`);
        if (page) console.error(`Page:   ${pageUrl(page)}/`);
        await embedded.stopRequested;
      }
    }
  } finally {
    // No call of the run may outlive the connections: the SDK would retry it on a closed channel,
    // which throws. Aborting ends the wait for the result; the rest are short calls. The page goes
    // before them: its live streams and queries use the same client.
    following.abort(new Error('done'));
    await spoken;
    await page?.close();
    await embedded.close();
  }
  process.exitCode = exitCode;
}

/**
 * The page and API of `npm run serve` on 127.0.0.1 (any local account can reach it: set API_TOKEN
 * on a shared machine), through our client and worker: documents started from it go to our task queue. API_TOKEN, when set, guards it as it
 * guards the server's; the URL printed does not carry it (it would be in the terminal's scrollback):
 * the page asks for it.
 */
async function servePage(
  embedded: Embedded,
  stores: Pick<ServerOptions, 'outputDir' | 'blobStore' | 'libraryDir'>,
  port = 0,
): Promise<FastifyInstance> {
  const apiToken = apiTokenSetting();
  const app = await buildServer({
    client: embedded.client,
    taskQueue: embedded.taskQueue,
    ...stores,
    ...(apiToken ? { apiToken } : {}),
    currentBuild: async () => embedded.buildId,
    listenHost: '127.0.0.1',
  });
  try {
    await app.listen({ port, host: '127.0.0.1' });
    return app;
  } catch (error) {
    await app.close();
    throw new Error(`cannot serve the page on 127.0.0.1:${port} (--listen-port; --no-listen serves none): ${describeFailure(error)}`);
  }
}

function pageUrl(app: FastifyInstance): string {
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

interface MainRun {
  embedded: Embedded;
  file: string;
  input: AudioDocumentInput;
  workflowId: string;
  /** --new (or --fresh on a shared server): a new run under the same id. */
  replace: boolean;
  signal: AbortSignal;
  /** The page's live player of this document. */
  listenUrl?: string;
}

async function speak({ embedded, file, input, workflowId, replace, signal, listenUrl }: MainRun): Promise<AudioDocumentResult> {
  const { client, taskQueue, namespace, uiUrl } = embedded;
  const { handle, result, message } = await startDocument(client, input, taskQueue, workflowId, {
    whenFileGone: 'restart',
    replace,
    memo: sourceMemo(file),
    // Our in-process worker is the build a run of ours can go on with: it is pinned to it.
    currentBuild: async () => embedded.buildId,
    ...(embedded.buildId ? { pinTo: { deploymentName: embedded.deploymentName, buildId: embedded.buildId } } : {}),
  });
  console.error(`Speaking ${file} with ${input.pin ? engineLabel(input.pin) : input.engine} as workflow ${workflowId}`);
  if (message) console.error(message);
  if (uiUrl) console.error(`Follow it in the Temporal UI: ${uiUrl}/namespaces/${namespace}/workflows/${workflowId}`);
  if (listenUrl && !result) {
    console.error(`Listen while it renders: ${listenUrl}${apiTokenSetting() ? '   (API_TOKEN is set: the page asks for it)' : ''}`);
  }
  return (
    result ??
    followProgress(
      handle,
      client.withAbortSignal(signal, () => handle.result() as Promise<AudioDocumentResult>),
      { signal },
    )
  );
}

/** One line: where the document stands and how to resume it. */
async function stoppedLine({ embedded, workflowId }: MainRun): Promise<string> {
  const progress = await progressWithin(embedded.client.workflow.getHandle(workflowId), 2_000);
  const done = progress ? `${chunksDone(progress).replace(' already', '')} and kept` : 'finished chunks are kept';
  const how =
    embedded.persistent || !embedded.ownServer
      ? `to resume, run the same command again: ${rerunCommand()}`
      : 'this job ran on a temporary server history, so the next run starts over (reusing stored chunks)';
  return `Stopped: ${done}; ${how}`;
}

/** The command that started us, without --fresh / --new (which would start over). */
function rerunCommand(): string {
  const args = process.argv
    .slice(2)
    .filter((arg) => arg !== '--fresh' && arg !== '--new')
    .map(shellQuote);
  if (process.env.npm_lifecycle_event === 'start') return ['npm start', ...(args.length ? ['--', ...args] : [])].join(' ');
  return ['node', ...process.execArgv, relative(process.cwd(), process.argv[1]!), ...args].join(' ');
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/u.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

function port(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65_535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return number;
}

addDocumentOptions(new Command('start'))
  .description('speak a text file through Temporal with an in-process worker (default: the sample reading)')
  .argument('[file]', 'text file to speak (- for standard input)', SAMPLE)
  .option('--keep-server', 'keep the dev server, its UI, the worker and the page running after the document is done')
  .option('--fresh', "start over: delete our dev server's history (and with it unfinished runs) first")
  .option('--no-listen', 'do not serve the page that plays the document while it renders')
  .option('--listen-port <port>', "the page's port on 127.0.0.1 (default: a free one)", port)
  .addOption(
    new Option(
      '--library <dir>',
      'into an audiobook library as Audiobookshelf scans it: <dir>/<Author>/<Title>/ (M4B by default)',
    ).conflicts('out'),
  )
  .action(main)
  .parseAsync()
  .catch((err) => {
    console.error(describeFailure(err));
    process.exit(1);
  });
