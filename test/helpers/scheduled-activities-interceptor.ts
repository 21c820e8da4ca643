// Workflow interceptor for replay tests: reports every activity the workflow code schedules, so a
// test can compare it with what the history recorded. Replay itself checks only the kind and order
// of commands, not their inputs: a change that handed chunk 3's result to chunk 4 would pass it.

import {
  type ActivityInput,
  type Next,
  proxySinks,
  type Sinks,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

export interface ScheduledActivitySinks extends Sinks {
  scheduledActivities: { scheduled(activityType: string, input: unknown): void };
}

const { scheduledActivities } = proxySinks<ScheduledActivitySinks>();

class ReportScheduledActivities implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
    scheduledActivities.scheduled(input.activityType, input.args[0]);
    return next(input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ outbound: [new ReportScheduledActivities()] });
