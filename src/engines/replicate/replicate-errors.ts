// Replicate's answers mapped to what Temporal should do with them.

import { PermanentEngineError, RateLimitedError, TransientEngineError } from '../engine.ts';

const PERMANENT: Record<number, string> = {
  400: 'ReplicateBadRequest',
  401: 'ReplicateUnauthenticated',
  402: 'ReplicateInsufficientCredit',
  403: 'ReplicateForbidden',
  404: 'ReplicateNotFound',
  422: 'ReplicateInvalidInput',
};
const DEFAULT_RETRY_AFTER_MS = 10_000;

interface Problem {
  title?: string;
  detail?: string;
  retry_after?: number;
}

/** Turns an error of the `replicate` client into a retryable, rate-limited or permanent engine error. */
export function mapReplicateError(error: unknown, action: string): Error {
  if (error instanceof Error && error.name === 'AbortError') return error;
  // ApiError is not exported: recognise it by name. Its body was consumed into the message.
  const response = (error as { response?: Response }).response;
  if (!(error instanceof Error) || error.name !== 'ApiError' || !response) {
    return new TransientEngineError(`Replicate ${action} failed: ${(error as Error)?.message ?? error}`);
  }
  const problem = parseProblem(error.message);
  const said = [problem.title, problem.detail].filter(Boolean).join(': ') || `HTTP ${response.status}`;
  if (response.status === 429) {
    const header = Number(response.headers.get('retry-after'));
    const seconds = problem.retry_after ?? (Number.isFinite(header) && header > 0 ? header : undefined);
    return new RateLimitedError(`Replicate rate limit: ${said}`, seconds === undefined ? DEFAULT_RETRY_AFTER_MS : seconds * 1000);
  }
  const permanent = PERMANENT[response.status];
  if (permanent) return new PermanentEngineError(`Replicate ${action} refused (${response.status}): ${said}`, permanent);
  return new TransientEngineError(`Replicate ${action} failed (${response.status}): ${said}`);
}

/** The client's message ends with the response text: "Request to … failed with status 429 …: {json}." */
function parseProblem(message: string): Problem {
  const json = /: (\{[\s\S]*\})\.?$/u.exec(message)?.[1];
  if (!json) return {};
  try {
    return JSON.parse(json) as Problem;
  } catch {
    return {};
  }
}
