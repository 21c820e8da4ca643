// The command-line client: speak a text file, and follow, cancel or fetch documents by id.
//   npm run client -- speak samples/reading.txt --concurrency 5
//   npm run client -- speak - < notes.txt          (text from standard input)
//   npm run client -- speak notes.txt --detach     (prints the id and returns)
//   npm run client -- status <id> | cancel <id> | result <id>
//   npm run client -- list [--running | --finished] [--json]
//   npm run client -- voices [--engine kokoro] [--json]

import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { Command, Option } from 'commander';
import { nameNarrator } from './client/book-details.ts';
import { checkVoices } from './client/check-voices.ts';
import { addDocumentOptions, type DocumentFlags, describeSource, documentInput, sourceMemo } from './client/document-options.ts';
import { documentState, missingFileAdvice, olderBuildAdvice } from './client/document-state.ts';
import { documentTable, listDocuments } from './client/list-documents.ts';
import { pinEngine } from './client/pin-engine.ts';
import { describeFailure, describeResult } from './client/print-result.ts';
import { followProgress } from './client/progress-bar.ts';
import { retireOlderBuildRun, startDocument } from './client/start-document.ts';
import { noServerAnswers, refusesConnections } from './client/unanswered-address.ts';
import { listVoices, voiceTable } from './client/voice-list.ts';
import { documentWorkflowId } from './client/workflow-id.ts';
import { temporalSettings, workerSettings } from './config/settings.ts';
import type { AudioDocumentResult } from './contract/result.ts';
import { ENGINES, type EngineName, resolveDocumentInput } from './document/input.ts';
import { openBlobStore } from './storage/open-blob-store.ts';
import { outputSize, saveOutput } from './storage/output-reader.ts';
import { currentBuild } from './temporal/worker-deployment.ts';

const temporal = temporalSettings();
const address = temporal.address ?? '127.0.0.1:7233';

/** The build the deployment's workers start new documents on (as the server says). */
const currentBuildOf = (client: Client) => () => currentBuild(client.connection, temporal.namespace, temporal.deploymentName);

async function withClient<T>(use: (client: Client) => Promise<T>): Promise<T> {
  // Nothing listens there: say so now, not after the SDK's 10 s connect timeout.
  if (await refusesConnections(address)) throw await unreachable('connection refused');
  let connection: Connection;
  try {
    connection = await Connection.connect({ address });
  } catch (error) {
    throw await unreachable(describeFailure(error));
  }
  try {
    return await use(new Client({ connection, namespace: temporal.namespace }));
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw notFound(error.workflowId);
    throw isUnavailable(error) ? await unreachable(describeFailure(error)) : error;
  } finally {
    await connection.close();
  }
}

async function unreachable(why: string): Promise<Error> {
  return new Error(await noServerAnswers(address, !temporal.address, why));
}

function notFound(id: string): Error {
  return new Error(`No document "${id}" on ${address} (namespace ${temporal.namespace})`);
}

/** gRPC UNAVAILABLE (14) anywhere in the chain: the server went away after we connected. */
function isUnavailable(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if ((current as { code?: unknown }).code === 14) return true;
  }
  return false;
}

interface SpeakFlags extends DocumentFlags {
  detach?: boolean;
}

const program = new Command('client').description('Durable long-form text-to-speech on Temporal');

addDocumentOptions(program.command('speak <file>').description('turn a text file (- for standard input) into one audio file'))
  .option('--detach', 'start the document (or find it), print its id and return without waiting')
  .action((file: string, flags: SpeakFlags) =>
    withClient(async (client) => {
      const { input, source, text } = await documentInput(file, flags, flags.out, openBlobStore(workerSettings().blobLocation));
      const read = describeSource(file, source);
      if (read) console.error(read);
      // Fail here, with the workflow's own message, before anything starts.
      for (const notice of resolveDocumentInput(input).notices) console.error(`Note: ${notice}`);
      await checkVoices(input, text); // a misspelt voice, in a tag or the voice map, fails here
      await pinEngine(input); // the engine's model version is part of the document, and of its id
      nameNarrator(input); // the voice it is pinned to
      const workflowId = documentWorkflowId(file, input, { forceNew: flags.new });
      if (flags.new) {
        const retired = await retireOlderBuildRun(client, documentWorkflowId(file, input), workflowId, currentBuildOf(client));
        if (retired) console.error(retired);
      }
      // A finished document whose file is gone is not made again behind the user's back: the
      // worker may be on another machine, where the file may still be. --new makes it again.
      const { handle, result, message } = await startDocument(client, input, temporal.taskQueue, workflowId, {
        whenFileGone: 'refuse',
        memo: sourceMemo(file),
        currentBuild: currentBuildOf(client),
      });
      console.error(`${workflowId} on task queue "${temporal.taskQueue}" at ${address}: ${message ?? 'started'}`);
      if (flags.detach) {
        console.log(workflowId);
        return;
      }
      console.log(describeResult(result ?? (await followProgress(handle, handle.result() as Promise<AudioDocumentResult>))));
    }),
  );

program
  .command('status <id>')
  .description('show where a document is (JSON): progress, the reason it failed, or its audio file')
  .action((id: string) =>
    withClient(async (client) => {
      const state = await documentState(client.workflow.getHandle(id), { currentBuild: currentBuildOf(client) });
      if (!state) throw notFound(id);
      // Which engine speaks it, down to the model version, once the document has pinned it.
      const spokenBy =
        state.status === 'RUNNING' ? state.progress?.spokenBy : state.status === 'COMPLETED' ? state.result.spokenBy : undefined;
      const detail =
        state.status === 'RUNNING'
          ? state.olderBuild
            ? { build: state.olderBuild.startedOn, note: olderBuildAdvice(id, state.olderBuild) }
            : { ...(state.progress ? { progress: state.progress } : { note: 'no worker answered the progress query' }) }
          : state.status === 'COMPLETED'
            ? { path: state.result.path, ...(state.fileExists ? {} : { note: missingFileAdvice(id, state.result.path) }) }
            : { reason: state.reason };
      console.log(JSON.stringify({ id, status: state.status, ...(spokenBy ? { spokenBy } : {}), ...detail }, null, 2));
    }),
  );

program
  .command('cancel <id>')
  .description('cancel a document; chunks in flight are cancelled too')
  .action((id: string) =>
    withClient(async (client) => {
      const handle = client.workflow.getHandle(id);
      const alreadyOver = async () =>
        new Error(`${id} is already ${(await handle.describe()).status.name.toLowerCase()}: nothing to cancel`);
      if ((await handle.describe()).status.name !== 'RUNNING') throw await alreadyOver();
      // It may have ended since: the server then answers "not found" for the cancellation.
      await handle.cancel().catch(async (error: unknown) => {
        throw error instanceof WorkflowNotFoundError ? await alreadyOver() : error;
      });
      console.log(`Cancellation requested for ${id}`);
    }),
  );

program
  .command('list')
  .description('list the documents this server knows, newest first: id, status, chunks, time, start, title')
  .addOption(new Option('--running', 'only those still running').conflicts('finished'))
  .option('--finished', 'only those that ended (completed, failed, cancelled...)')
  .option('--json', 'print JSON instead of a table')
  .action((flags: { running?: boolean; finished?: boolean; json?: boolean }) =>
    withClient(async (client) => {
      const documents = await listDocuments(client, flags.running ? 'running' : flags.finished ? 'finished' : 'all');
      console.log(flags.json ? JSON.stringify(documents, null, 2) : documents.length > 0 ? documentTable(documents) : 'No documents.');
    }),
  );

program
  .command('result <id>')
  .description('wait for a document and print its result as JSON; --save copies its audio here, from wherever it is (a path, S3)')
  .option('--save <file>', 'write the audio file (a split document: its playlist) to <file>')
  .action((id: string, flags: { save?: string }) =>
    withClient(async (client) => {
      const result = (await client.workflow.getHandle(id).result()) as AudioDocumentResult;
      console.log(JSON.stringify(result, null, 2));
      if ((await outputSize(result.uri)) === undefined) {
        const advice = missingFileAdvice(id, result.path);
        if (flags.save) throw new Error(advice);
        console.error(`Note: ${advice}`);
      } else if (flags.save) {
        await saveOutput(result.uri, flags.save, result);
        console.error(`Saved ${result.uri} to ${flags.save}`);
      }
    }),
  );

program
  .command('voices')
  .description("list each engine's voices (name, language, gender), or say that it takes any name; needs no Temporal server")
  .addOption(new Option('--engine <engine>', 'only this engine').choices(ENGINES))
  .option('--json', 'print JSON instead of tables')
  .action(async (flags: { engine?: EngineName; json?: boolean }) => {
    const lists = await listVoices(flags.engine ? [flags.engine] : ENGINES);
    console.log(flags.json ? JSON.stringify(lists, null, 2) : voiceTable(lists));
  });

program.parseAsync().catch((err) => {
  // The innermost cause: the engine's or validator's words, not "Workflow execution failed".
  console.error(describeFailure(err));
  process.exit(1);
});
