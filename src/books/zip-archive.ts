// A zip archive held in memory (fflate): only the entries asked for are inflated (an EPUB's images
// and fonts never are), and a damaged archive becomes a DocumentFileError, not fflate's raw error.

import { unzipSync } from 'fflate';
import type { DocumentFileError } from './errors.ts';

/** A book's text is tens of MB at most; more, inflated at once, is a zip bomb or not a book. */
const MAX_INFLATED_BYTES = 512 * 1024 * 1024;

export class ZipArchive {
  private readonly exact: ReadonlySet<string>;
  private readonly byLowerCase = new Map<string, string>();

  /** Reads the central directory; throws DocumentFileError (via `damaged`) if it is unreadable. */
  constructor(
    private readonly bytes: Uint8Array,
    private readonly damaged: (problem: string) => DocumentFileError,
  ) {
    const names: string[] = [];
    this.unzip(
      () => false,
      (info) => names.push(info.name),
    );
    this.exact = new Set(names);
    for (const name of names) if (!this.byLowerCase.has(name.toLowerCase())) this.byLowerCase.set(name.toLowerCase(), name);
  }

  /** The entry's exact name, matching case-insensitively if need be (hrefs often differ in case). */
  find(path: string): string | undefined {
    return this.exact.has(path) ? path : this.byLowerCase.get(path.toLowerCase());
  }

  /** The entry's bytes, or undefined if there is no such entry. */
  read(path: string): Uint8Array | undefined {
    return this.readAll([path]).get(path);
  }

  /** Several entries in one pass over the archive (a book's chapters), keyed by the paths asked for. */
  readAll(paths: readonly string[]): Map<string, Uint8Array> {
    const asked = new Map<string, string[]>();
    for (const path of paths) {
      const name = this.find(path);
      if (name !== undefined) asked.set(name, [...(asked.get(name) ?? []), path]);
    }
    let inflated = 0;
    const entries = this.unzip((info) => {
      if (!asked.has(info.name)) return false;
      inflated += info.originalSize;
      return inflated <= MAX_INFLATED_BYTES;
    });
    if (inflated > MAX_INFLATED_BYTES) throw this.damaged(`its text would inflate to more than ${MAX_INFLATED_BYTES / 1024 / 1024} MB`);
    const found = new Map<string, Uint8Array>();
    for (const [name, forPaths] of asked) {
      const bytes = entries[name];
      if (bytes) for (const path of forPaths) found.set(path, bytes);
    }
    return found;
  }

  private unzip(
    wanted: (info: { name: string; originalSize: number }) => boolean,
    seen?: (info: { name: string }) => void,
  ): Record<string, Uint8Array> {
    try {
      return unzipSync(this.bytes, {
        filter: (info) => {
          seen?.(info);
          return wanted(info);
        },
      });
    } catch (error) {
      throw this.damaged(error instanceof Error ? error.message : String(error));
    }
  }
}
