// When no Temporal server answers the client: say so at once when nothing even listens there, and
// name the embedded server `npm start` or `npm run serve` runs on another port, with the line that
// points the client at it. The SDK alone waits its whole connect timeout (10 s) on a closed port.

import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { runningEmbeddedServer } from '../temporal/embedded-lock.ts';

/** A server process just launched binds its port within a moment: a refused port is asked again for this long. */
const REFUSED_GRACE_MS = 1_000;
const PROBE_EVERY_MS = 200;

/**
 * True when nothing listens at `address` (host:port): the connection is refused, again and again
 * for a second. Anything else (it accepts, the host is slow or unknown) is left to the SDK, which
 * waits for a server that listens but is not ready yet.
 */
export async function refusesConnections(address: string, graceMs = REFUSED_GRACE_MS): Promise<boolean> {
  const target = hostAndPort(address);
  if (!target) return false;
  const deadline = Date.now() + graceMs;
  for (;;) {
    if ((await probe(target)) !== 'refused') return false;
    if (Date.now() >= deadline) return true;
    await sleep(PROBE_EVERY_MS);
  }
}

/** The whole message: the address tried, why, and the embedded server running elsewhere if there is one. */
export async function noServerAnswers(address: string, addressIsDefault: boolean, why: string, env = process.env): Promise<string> {
  const tried = `No Temporal server answers at ${address}${addressIsDefault ? ' (TEMPORAL_ADDRESS is unset: the default)' : ''}: ${why}`;
  const embedded = await runningEmbeddedServer(env).catch(() => undefined);
  if (!embedded || embedded.address === address) return tried;
  return (
    `${tried}\nThe embedded server of npm start / npm run serve (pid ${embedded.jobPid}) runs at ${embedded.address}; ` +
    `to use it, run\n  export TEMPORAL_ADDRESS=${embedded.address}\nand try again`
  );
}

function hostAndPort(address: string): { host: string; port: number } | undefined {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/u.exec(address);
  return match ? { host: match[1]!, port: Number(match[2]) } : undefined;
}

function probe({ host, port }: { host: string; port: number }): Promise<'open' | 'refused' | 'unknown'> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1_000 });
    const done = (outcome: 'open' | 'refused' | 'unknown') => {
      socket.destroy();
      resolve(outcome);
    };
    socket.once('connect', () => done('open'));
    socket.once('timeout', () => done('unknown'));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED' ? 'refused' : 'unknown'));
  });
}
