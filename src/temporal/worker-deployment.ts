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
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await currentBuild(connection, namespace, version.deploymentName)) === version.buildId) return;
    try {
      await connection.workflowService.setWorkerDeploymentCurrentVersion({ namespace, ...version, identity: 'durable-tts worker' });
      return;
    } catch (error) {
      const code = (error as { code?: number }).code;
      if ((code !== NOT_FOUND && code !== FAILED_PRECONDITION) || Date.now() > deadline) throw error;
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

/** The build a document runs on: set once its first workflow task completed on a versioned worker. */
export function pinnedBuild({ raw }: WorkflowExecutionDescription): string | undefined {
  return raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion?.buildId ?? undefined;
}
