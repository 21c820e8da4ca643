// A worker process: `npm run worker`. Run as many as you like on the same task queue.
// Stops gracefully on SIGINT/SIGTERM (the SDK's default shutdown signals): in-flight chunks finish.

import { NativeConnection } from '@temporalio/worker';
import { temporalSettings, workerSettings } from './config.ts';
import { createAudioWorker } from './temporal/audio-worker.ts';

async function run() {
  const temporal = temporalSettings();
  const connection = await NativeConnection.connect({ address: temporal.address ?? '127.0.0.1:7233' });
  const { worker, close } = await createAudioWorker({ connection, ...temporal, ...workerSettings() });
  console.log(`Worker polling task queue "${temporal.taskQueue}" on ${temporal.address ?? '127.0.0.1:7233'}`);
  try {
    await worker.run();
  } finally {
    await close();
    await connection.close();
  }
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
