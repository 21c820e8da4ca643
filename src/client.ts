// The command-line client: speak a text file, and follow, cancel or fetch documents by id.
//   npm run client -- speak samples/reading.txt --concurrency 5
//   npm run client -- status <id> | cancel <id> | result <id>

import { Client, Connection } from '@temporalio/client';
import { Command } from 'commander';
import { addDocumentOptions, documentInput, type DocumentFlags } from './client/document-options.ts';
import { describeFailure, describeResult } from './client/print-result.ts';
import { followProgress } from './client/progress-bar.ts';
import { startDocument } from './client/start-document.ts';
import { documentWorkflowId } from './client/workflow-id.ts';
import { temporalSettings } from './config.ts';
import { resolveDocumentInput } from './document/input.ts';
import type { AudioDocumentResult } from './document/result.ts';
import { progressQuery } from './workflows/definitions.ts';

const temporal = temporalSettings();

async function withClient<T>(use: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: temporal.address ?? '127.0.0.1:7233' });
  try {
    return await use(new Client({ connection, namespace: temporal.namespace }));
  } finally {
    await connection.close();
  }
}

const program = new Command('client').description('Durable long-form text-to-speech on Temporal');

addDocumentOptions(program.command('speak <file>').description('turn a text file into one audio file')).action(
  (file: string, flags: DocumentFlags) =>
    withClient(async (client) => {
      const input = await documentInput(file, flags, flags.out);
      // Fail here, with the workflow's own message, before anything starts.
      resolveDocumentInput(input).notices.forEach((notice) => console.error(`Note: ${notice}`));
      const workflowId = documentWorkflowId(file, input, flags.new);
      const { handle, started } = await startDocument(client, input, temporal.taskQueue, workflowId);
      console.error(`${started ? 'Started' : 'Attached to the run already under way, or done, of'} ${workflowId} on task queue "${temporal.taskQueue}"`);
      const result = await followProgress(handle, handle.result() as Promise<AudioDocumentResult>);
      console.log(describeResult(result));
    }),
);

program
  .command('status <id>')
  .description('show where a document is')
  .action((id: string) =>
    withClient(async (client) => {
      const handle = client.workflow.getHandle(id);
      const { status } = await handle.describe();
      const progress = await handle.query(progressQuery).catch(() => undefined);
      console.log(JSON.stringify({ id, status: status.name, ...(progress ? { progress } : {}) }, null, 2));
    }),
  );

program
  .command('cancel <id>')
  .description('cancel a document; chunks in flight are cancelled too')
  .action((id: string) =>
    withClient(async (client) => {
      await client.workflow.getHandle(id).cancel();
      console.log(`Cancellation requested for ${id}`);
    }),
  );

program
  .command('result <id>')
  .description('wait for a document and print its result as JSON')
  .action((id: string) =>
    withClient(async (client) => {
      console.log(JSON.stringify(await client.workflow.getHandle(id).result(), null, 2));
    }),
  );

program.parseAsync().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
