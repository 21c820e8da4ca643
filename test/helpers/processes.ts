// Running the project's commands as a user does (`npm start`, `npm run client`), and watching processes.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';

/** Every process below `pid` (children, grandchildren, ...). */
export function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid=']).toString();
  const pairs = out
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/u).map(Number) as [number, number]);
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const [child, ppid] of pairs) {
      if (ppid === parent) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

/** Command lines of all processes that mention `text` (e.g. a test's temporary directory). */
export function processesMentioning(text: string): string[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,command=']).toString();
  return out.split('\n').filter((line) => line.includes(text) && !line.includes(' ps -e '));
}

/** Resolves with everything `child` printed (stdout and stderr) once it matches `pattern`. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output:\n${seen}`)), timeoutMs);
    const onData = (data: Buffer) => {
      seen += data.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve(seen);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A command that runs to its end: its exit code and what it printed. `input` goes to its stdin. */
export function runToEnd(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Finished> {
  const child = spawn(command, args, { env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
  if (input !== undefined) child.stdin!.end(input);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `npm run client -- <args>` without npm: node with tsx, as the script runs it. */
export function runClient(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Finished> {
  return runToEnd(process.execPath, ['--import', 'tsx', 'src/client.ts', ...args], env, input);
}

/** A stack trace line ("    at fn (file.ts:12:3)"): none belongs in what a user sees. */
export const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/mu;
