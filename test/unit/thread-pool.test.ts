import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { SynthesisRequest } from '../../src/engines/engine.ts';
import { ThreadPool } from '../../src/engines/thread-pool.ts';

/** A thread that answers each job with its text; a job carrying `hold` waits until the test lets it go. */
const ECHO_THREAD = `
const { parentPort } = require('node:worker_threads');
parentPort.postMessage({ type: 'ready' });
parentPort.on('message', (m) => {
  if (m.hold) Atomics.wait(m.hold, 0, 0);
  parentPort.postMessage({ type: 'done', id: m.id, text: m.text });
});`;

interface EchoJob {
  request: SynthesisRequest;
  hold?: Int32Array;
}

function echoPool() {
  return new ThreadPool<EchoJob, string, unknown, { text: string }>({
    createWorker: () => new Worker(ECHO_THREAD, { eval: true }),
    message: ({ request, hold }, id) => ({ id, text: request.text, ...(hold ? { hold } : {}) }),
    result: ({ text }) => text,
    jobError: (message) => new Error(message),
    threadError: (error) => error,
    exitMessage: 'echo thread exited',
  });
}

const request = (text: string, order?: number): SynthesisRequest => ({
  text,
  options: {},
  signal: new AbortController().signal,
  ...(order === undefined ? {} : { order }),
});

describe('ThreadPool', () => {
  it('serves waiting jobs lowest order first (their place in the document), equal orders as they came', async () => {
    const pool = echoPool();
    pool.start(1);
    await Promise.all(pool.ready());
    const hold = new Int32Array(new SharedArrayBuffer(4));
    const busy = pool.run({ request: request('busy', 0), hold });
    const done: string[] = [];
    const waiting = [request('fifth', 5), request('first', 1), request('third', 3), request('third again', 3), request('no order')].map(
      (r) => pool.run({ request: r }).then((text) => done.push(text)),
    );
    Atomics.store(hold, 0, 1);
    Atomics.notify(hold, 0);
    await busy;
    await Promise.all(waiting);
    expect(done).toEqual(['first', 'third', 'third again', 'fifth', 'no order']);
    await pool.terminate();
  });
});
