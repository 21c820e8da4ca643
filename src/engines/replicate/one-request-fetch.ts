// The `replicate` client retries 429s (and network errors) up to six times within ~40 ms, without
// reading `retry_after`: on a 6-per-minute account one 429 burns six requests. This fetch makes
// every client call send exactly one HTTP request; retrying, with the provider's delay, is Temporal's job.

type Answer = { status: number; statusText: string; headers: Headers; body: ArrayBuffer } | { error: unknown };

export function oneRequestPerCall(realFetch: typeof fetch = fetch): typeof fetch {
  // The client reuses one `init` object for all its retries of a call: that is how we know them.
  const answered = new WeakMap<object, Answer>();
  return async (input, init) => {
    const key = init ?? {};
    const previous = answered.get(key);
    if (previous) {
      if ('error' in previous) throw previous.error;
      return new Response(previous.body, previous);
    }
    try {
      const response = await realFetch(input, init);
      if (response.ok) return response;
      const answer = {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
        body: await response.arrayBuffer(),
      };
      answered.set(key, answer);
      return new Response(answer.body, answer);
    } catch (error) {
      answered.set(key, { error });
      throw error;
    }
  };
}
