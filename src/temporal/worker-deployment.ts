// The Worker Deployment our workers join, seen from Temporal's API: make a build the current one
// (new documents start on it), ask which build is current, and which build a document is pinned to.

import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';

/** What the two connections (a client's, a worker's) share: the raw WorkflowService. */
type ServiceConnection = Pick<NativeConnection, 'workflowService'>;

export interface DeploymentVersion {
  deploymentName: string;
  buildId: string;
}

export interface PromoteOptions {
  /**
   * The server refuses a build that does not poll every task queue the current build polled and
   * still uses: a guard for fleets. The embedded server gives each main-job document a queue of
   * its own, so there the guard would refuse every new build while an older document is unfinished.
   */
  ignoreMissingTaskQueues?: boolean;
  /** Stops trying (the workers stopped first). */
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** gRPC codes the server answers until it has seen this version's pollers. */
const NOT_FOUND = 5;
const FAILED_PRECONDITION = 9;

/**
 * Makes `version` current: documents started from now on are pinned to it. The server knows a
 * version once its workers have polled, so this is retried until then (within `timeoutMs`).
 */
export async function promoteBuild(
  connection: ServiceConnection,
  namespace: string,
  version: DeploymentVersion,
  { ignoreMissingTaskQueues = false, signal, timeoutMs = 60_000 }: PromoteOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!signal?.aborted) {
    if ((await currentBuild(connection, namespace, version.deploymentName)) === version.buildId) return;
    try {
      await connection.workflowService.setWorkerDeploymentCurrentVersion({
        namespace,
        ...version,
        ignoreMissingTaskQueues,
        identity: 'durable-tts worker',
      });
      return;
    } catch (error) {
      const code = (error as { code?: number }).code;
      if ((code !== NOT_FOUND && code !== FAILED_PRECONDITION) || Date.now() > deadline) {
        throw new Error(
          `the server did not make build ${version.buildId} current in deployment "${version.deploymentName}": ` +
            `${(error as Error).message}. ` +
            'Start the worker with WORKER_PROMOTE=false to run only the documents pinned to its build.',
          { cause: error },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** The build new documents start on; undefined while no build is current (or the deployment is unknown). */
export async function currentBuild(connection: ServiceConnection, namespace: string, deploymentName: string): Promise<string | undefined> {
  try {
    const { workerDeploymentInfo } = await connection.workflowService.describeWorkerDeployment({ namespace, deploymentName });
    return workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId ?? undefined;
  } catch (error) {
    if ((error as { code?: number }).code === NOT_FOUND) return undefined;
    throw error;
  }
}

/** The build a document is pinned to: the one it was started with (an override), else the one its first workflow task ran on. */
export function pinnedBuild({ raw }: WorkflowExecutionDescription): string | undefined {
  const versioning = raw.workflowExecutionInfo?.versioningInfo;
  return versioning?.versioningOverride?.pinned?.version?.buildId ?? versioning?.deploymentVersion?.buildId ?? undefined;
}
