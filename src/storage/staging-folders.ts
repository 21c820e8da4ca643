// The name of a folder an S3 output is staged in says which process made it, so that a worker that
// starts can tell the folders of dead processes from those of live ones.

import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * `.staging-<host>-<pid namespace>-<pid>-<random>` (containers of one pod share a hostname, not
 * their pids).
 */
const STAGING = '.staging-';
const STAGING_NAME = /^\.staging-(.+)-(\d+)-(\d+)-[^-]+$/u;

/** This process's folder names begin with this; mkdtemp adds the random end. */
export function stagingPrefix(): string {
  return `${STAGING}${hostname()}-${pidNamespace()}-${process.pid}-`;
}

/** The pid of the process that made the folder `name` on this machine (host and pid namespace); undefined for any other folder. */
export function stagingPidOnThisMachine(name: string): number | undefined {
  const [, host, namespace, pidText] = STAGING_NAME.exec(name) ?? [];
  if (host !== hostname() || namespace !== pidNamespace()) return undefined;
  return Number(pidText);
}

/** This process's pid namespace (Linux; "0" elsewhere). */
function pidNamespace(): string {
  try {
    return /\[(\d+)\]/u.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '0';
  } catch {
    return '0';
  }
}
