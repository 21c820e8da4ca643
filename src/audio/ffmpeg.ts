// The ffmpeg program shipped in an npm package (@ffmpeg-installer: a static build with LAME, FFmpeg's
// AAC encoder, Opus and FLAC), run as a child process that we stream PCM into. It is GPL and stays
// a separate program: we only execute it. FFMPEG_PATH points to another build.

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, chmodSync, constants } from 'node:fs';
import { createRequire } from 'node:module';

/** The ffmpeg executable: FFMPEG_PATH, else the npm package's binary (made executable if npm left it not). */
export function ffmpegPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FFMPEG_PATH) return env.FFMPEG_PATH;
  const path = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    chmodSync(path, 0o755); // installs that skip install scripts leave it without the x bit
  }
  return path;
}

/** What 16-bit PCM we feed in: ffmpeg's raw-input arguments for it. */
export interface PcmFormat {
  sampleRate: number;
  channels: number;
}

export function rawPcmInput({ sampleRate, channels }: PcmFormat): string[] {
  return ['-f', 's16le', '-ar', String(sampleRate), '-ac', String(channels), '-i', 'pipe:0'];
}

/** A running ffmpeg that takes PCM on stdin; `finish` ends the input and waits for it to exit. */
export class FfmpegProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private stderr = '';
  private readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.child = spawn(ffmpegPath(), ['-hide_banner', '-nostdin', '-nostats', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.setEncoding('utf8').on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-64_000); // the summary we parse is at the end
    });
    this.child.stdout.resume();
    this.child.stdin.on('error', () => {}); // an early exit shows in `finish` with ffmpeg's own message
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('close', (code) => resolve(code));
    });
    this.exited.catch(() => {});
  }

  /** Writes with back-pressure: memory stays bounded however long the document. */
  async write(bytes: Uint8Array): Promise<void> {
    if (this.child.exitCode !== null) throw this.failure(this.child.exitCode);
    if (!this.child.stdin.write(bytes)) {
      // An early exit ends the wait; a pipe it closed rejects the drain: either way report ffmpeg's
      // own words, not EPIPE.
      const drained = once(this.child.stdin, 'drain').catch(async () => Promise.reject(this.failure(await this.exited)));
      await Promise.race([drained, this.exited.then((code) => Promise.reject(this.failure(code)))]);
    }
  }

  /** Ends the input; resolves with everything ffmpeg printed, or rejects with its last lines. */
  async finish(): Promise<string> {
    this.child.stdin.end();
    const code = await this.exited;
    if (code !== 0) throw this.failure(code);
    return this.stderr;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  private failure(code: number | null): Error {
    const tail = this.stderr.trim().split('\n').slice(-3).join(' / ');
    return new Error(`ffmpeg exited with ${code ?? 'a signal'}: ${tail}`);
  }
}
