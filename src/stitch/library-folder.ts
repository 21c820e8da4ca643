// A document's folder in the audiobook library (AUDIO_LIBRARY_DIR, `--library DIR`): found by
// the book's author, series and title (src/formats/audiobook-library.ts), and claimed with a small
// hidden file naming the document. Speaking the same document again writes into its own folder and
// clears what it wrote there before; another book of the same name gets "Title (2)", never this
// one's folder, and a folder someone else filled is never written into.

import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { type LibraryBook, libraryFolders } from '../formats/audiobook-library.ts';

/** Hidden (Audiobookshelf skips dot files): whose folder this is, and what it wrote in it. */
export const LIBRARY_CLAIM = '.durable-tts.json';
/** "Title (2)" … "Title (99)": then the library is asked to make room. */
const MAX_NAMESAKES = 99;

interface Claim {
  document: string;
  /** Relative to the folder. */
  files: string[];
}

export interface LibraryFolder {
  /** Absolute. */
  path: string;
  /** What the document wrote here last time (relative), cleared once the new files are in. */
  previous: string[];
}

/** A book the library has no folder for: trying again will not find one. */
export class LibraryFolderError extends Error {
  override name = 'LibraryFolderError';
}

/** The book's folder under `root`, made if need be and claimed for `documentId`. */
export async function claimLibraryFolder(root: string, book: LibraryBook, documentId: string): Promise<LibraryFolder> {
  const names = libraryFolders(book);
  const parent = inside(root, join(root, ...names.slice(0, -1)));
  await mkdir(parent, { recursive: true });
  const title = names.at(-1)!;
  for (let n = 1; n <= MAX_NAMESAKES; n++) {
    const path = inside(root, join(parent, n === 1 ? title : `${title} (${n})`));
    const claimed = await claim(path, documentId);
    if (claimed) return { path, previous: claimed.files };
  }
  throw new LibraryFolderError(
    `${join(parent, title)} and ${MAX_NAMESAKES - 1} folders like it hold other books: rename some, or give a --title`,
  );
}

/** Records what the document wrote, and removes what it wrote last time and not now (a format changed). */
export async function settleLibraryFolder(folder: LibraryFolder, documentId: string, written: string[]): Promise<void> {
  const files = written.map((path) => relative(folder.path, path));
  for (const stale of folder.previous.filter((name) => !files.includes(name))) {
    await rm(inside(folder.path, join(folder.path, stale)), { force: true });
  }
  await writeClaim(folder.path, { document: documentId, files });
}

/** The folder's claim for `documentId` (its earlier files), or undefined when it is another's. */
async function claim(path: string, documentId: string): Promise<Claim | undefined> {
  await mkdir(path, { recursive: true });
  const existing = await readClaim(path);
  if (existing) return existing.document === documentId ? existing : undefined;
  // No claim: ours only if empty. The claim is made exclusively: of two documents, one gets it.
  if ((await readdir(path)).length > 0) return undefined;
  try {
    await writeFile(join(path, LIBRARY_CLAIM), JSON.stringify({ document: documentId, files: [] }), { flag: 'wx' });
    return { document: documentId, files: [] };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readClaim(path))?.document === documentId ? { document: documentId, files: [] } : undefined;
  }
}

async function readClaim(path: string): Promise<Claim | undefined> {
  try {
    const claim = JSON.parse(await readFile(join(path, LIBRARY_CLAIM), 'utf8')) as Partial<Claim>;
    return typeof claim.document === 'string'
      ? { document: claim.document, files: Array.isArray(claim.files) ? claim.files.filter((f) => typeof f === 'string') : [] }
      : { document: '', files: [] }; // unreadable: someone else's
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (error instanceof SyntaxError) return { document: '', files: [] };
    throw error;
  }
}

async function writeClaim(path: string, claim: Claim): Promise<void> {
  const temporary = join(path, `${LIBRARY_CLAIM}.${randomUUID()}.tmp`);
  await writeFile(temporary, `${JSON.stringify(claim, null, 1)}\n`);
  await rename(temporary, join(path, LIBRARY_CLAIM));
}

/** Names are cleaned (folderName), and a claim's file list is ours; this guards against anything else. */
function inside(root: string, path: string): string {
  const resolved = resolve(path);
  if (!resolved.startsWith(resolve(root) + sep)) throw new LibraryFolderError(`${path} is outside the library ${root}`);
  return resolved;
}
