// A worker process: `npm run worker`. Run as many as you like on the same task queue.
// Stops gracefully on SIGINT/SIGTERM (the SDK's default shutdown signals): in-flight chunks finish.

import { NativeConnection } from '@temporalio/worker';
import { temporalSettings, warmEngines, workerSettings } from './config/settings.ts';
import { remoteEngineConfigs } from './engines/remote-engines.ts';
import { installMetricsExporter } from './metrics/index.ts';
import { createAudioWorker, remoteRatePerMinute } from './temporal/audio-worker.ts';
import { REMOTE_ENGINES, ttsTaskQueue } from './workflows/definitions.ts';

async function run() {
  // First: the SDK's runtime is made once, by whatever needs it first.
  const metrics = installMetricsExporter(process.env.WORKER_METRICS_PORT);
  const temporal = temporalSettings();
  const connection = await NativeConnection.connect({ address: temporal.address ?? '127.0.0.1:7233' });
  const remote = remoteEngineConfigs();
  const audioWorker = await createAudioWorker({
    connection,
    ...temporal,
    ...workerSettings(),
    ...remote,
    // Says when it loads a model; WARM_ENGINES=kokoro loads it as the worker starts, not with the first chunk.
    engineLog: (line) => console.log(line),
    warmEngines: warmEngines(process.env),
  });
  const { deploymentName, buildId } = audioWorker.version;
  const role = workerSettings().promote ? 'new documents start on it' : 'WORKER_PROMOTE=false: it runs the documents pinned to it';
  const queues = [
    temporal.taskQueue,
    ...REMOTE_ENGINES.filter((engine) => remote[engine]).map(
      (engine) => `${ttsTaskQueue(temporal.taskQueue, engine)} (${remoteRatePerMinute(engine, remote)}/min)`,
    ),
  ];
  console.log(
    `Worker polling task queue ${queues.map((q) => `"${q}"`).join(' and ')} on ` +
      `${temporal.address ?? '127.0.0.1:7233'}${metrics ? `; metrics on http://${metrics}/metrics` : ''}`,
  );
  console.log(`Build ${buildId} of deployment "${deploymentName}" (${role})`);
  try {
    await audioWorker.run();
  } finally {
    await audioWorker.close();
    await connection.close();
  }
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
