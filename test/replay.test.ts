// Replays saved histories (test/histories, made by `npm run record-histories`) against the current
// workflow code: a change that would break workflows already running fails here, including one that
// schedules the same activities with other inputs (another chunk under the same activity).

import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { temporal } from '@temporalio/proto';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../src/temporal/audio-worker.ts';

const HISTORIES = new URL('./histories/', import.meta.url);
const INTERCEPTOR = fileURLToPath(new URL('./helpers/scheduled-activities-interceptor.ts', import.meta.url));

/** What identifies a scheduled activity's work: its type, and the chunk (index and text) when it has one. */
function identity(activityType: string, input: unknown): string {
  const { index, text } = (input ?? {}) as { index?: number; text?: string };
  return JSON.stringify({ activityType, index, text });
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
      files.map(async (file) => ({ workflowId: file, history: historyFromJSON(JSON.parse(await readFile(new URL(file, HISTORIES), 'utf8'))) })),
    );
    const failures: string[] = [];
    const scheduled = new Map<string, string[]>();
    const options = {
      workflowsPath: WORKFLOWS_PATH,
      interceptors: { workflowModules: [INTERCEPTOR] },
      sinks: {
        scheduledActivities: {
          scheduled: {
            fn: ({ workflowId }: { workflowId: string }, activityType: string, input: unknown) => {
              scheduled.set(workflowId, [...(scheduled.get(workflowId) ?? []), identity(activityType, input)]);
            },
            callDuringReplay: true,
          },
        },
      },
    };
    for await (const result of Worker.runReplayHistories(options, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error}`);
    }
    expect(failures).toEqual([]);
    for (const { workflowId, history } of histories) {
      const recorded = recordedActivities(history);
      expect(scheduled.get(workflowId) ?? [], workflowId).toEqual(recorded);
    }
    expect([...scheduled.values()].flat().length).toBeGreaterThan(20);
  });
});
