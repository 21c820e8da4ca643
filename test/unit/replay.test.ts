// Replays saved histories (test/histories, made by `npm run record-histories`) against the current
// workflow code: a change that would break workflows already running fails here, including one that
// schedules the same activities with other inputs (another chunk under the same activity).
// `*.before-texts-with-plan.json` were recorded before prepareText handed a document of one part its
// chunk texts: they read them back by a local activity, and the workflow still takes that path for them.

import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH, workflowWebpackConfig } from '../../src/temporal/workflow-build.ts';

const HISTORIES = new URL('../histories/', import.meta.url);
const INTERCEPTOR = fileURLToPath(new URL('../helpers/scheduled-activities-interceptor.ts', import.meta.url));

/** A scheduled activity as the test compares it: its type and its whole input. */
function identity(activityType: string, input: unknown): string {
  return JSON.stringify({ activityType, input });
}

function recordedActivities(history: temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).flatMap((event) => {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (!scheduled) return [];
    const data = scheduled.input?.payloads?.[0]?.data;
    return [identity(scheduled.activityType!.name!, data ? JSON.parse(Buffer.from(data).toString('utf8')) : undefined)];
  });
}

describe('workflow determinism', () => {
  it('replays every saved history without a determinism error', async () => {
    const files = (await readdir(HISTORIES)).filter((f) => f.endsWith('.json')).sort();
    expect(files.length).toBeGreaterThanOrEqual(5);
    const histories = await Promise.all(
      files.map(async (file) => {
        const history = historyFromJSON(JSON.parse(await readFile(new URL(file, HISTORIES), 'utf8')));
        // The recorded workflow id: the default output name is made from it.
        return { file, workflowId: history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId ?? file, history };
      }),
    );
    const failures: string[] = [];
    // Histories replay one at a time, and a sink call arrives before its history's result.
    let scheduled: string[] = [];
    let compared = 0;
    const options = {
      workflowsPath: WORKFLOWS_PATH,
      bundlerOptions: { webpackConfigHook: workflowWebpackConfig }, // bundled as the workers bundle it
      interceptors: { workflowModules: [INTERCEPTOR] },
      sinks: {
        scheduledActivities: {
          scheduled: {
            fn: (_info: unknown, activityType: string, input: unknown) => void scheduled.push(identity(activityType, input)),
            callDuringReplay: true,
          },
        },
      },
    };
    let next = 0;
    for await (const result of Worker.runReplayHistories(options, histories)) {
      const { file, history } = histories[next++]!;
      if (result.error) failures.push(`${file}: ${result.error}`);
      expect(scheduled, file).toEqual(recordedActivities(history));
      compared += scheduled.length;
      scheduled = [];
    }
    expect(failures).toEqual([]);
    expect(next).toBe(histories.length);
    expect(compared).toBeGreaterThan(20);
  });
});
