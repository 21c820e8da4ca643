// POST /v1/documents takes the workflow input three ways: as JSON (the public contract), as a
// text file (text/plain, options in the query string) or as a multipart upload (a `file` part or
// a `text` field, options as fields). All three become the same workflow input.

import { createHash } from 'node:crypto';
import type {} from '@fastify/multipart'; // request.parts()
import type { FastifyRequest } from 'fastify';
import { DocumentFileError, FRONT_MATTER, type FrontMatter, type ImportedDocument, readDocument } from '../books/index.ts';
import { bookOutput } from '../client/book-details.ts';
import { clientDefaults } from '../config/settings.ts';
import type { AudioDocumentInput } from '../document/input.ts';
import { type TitleSources, titleOfDocument } from '../document/title.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { type Lexicon, parseLexicon } from '../text/lexicon.ts';
import { HttpProblem } from './problem.ts';

/** The options a form or a query string can set, by field name. */
export const FORM_OPTIONS = [
  'mode',
  'concurrency',
  'schedule',
  'maxChunkChars',
  'engine',
  'voice',
  'dialogueVoice',
  'speed',
  'name',
  'title',
  'format',
  'bitrateKbps',
  'author',
  'preset',
  'split',
  'verify',
  'library',
] as const;
const NUMERIC = new Set(['concurrency', 'maxChunkChars', 'speed', 'bitrateKbps']);
/** Form options that go into `output`. */
const OUTPUT_OPTIONS = ['name', 'format', 'bitrateKbps', 'title', 'author', 'preset', 'split'] as const;
/** The largest upload: a 200,000-character text of 3-byte characters, with room to spare. */
export const MAX_UPLOAD_BYTES = 4 * 1024 * 1024;

export interface RequestedDocument {
  input: AudioDocumentInput;
  title: string;
  /**
   * A hash of the request as sent, before this server's defaults: an Idempotency-Key retried on
   * another replica (whose TTS_ENGINE may differ) is still the same request.
   */
  fingerprint: string;
}

/**
 * The request's document with this server's defaults. With an audiobook library (AUDIO_LIBRARY_DIR)
 * documents go into it unless `output.library` is false, as M4B unless a format is asked.
 */
export async function requestedDocument(request: FastifyRequest, server: DocumentServer): Promise<RequestedDocument> {
  const requested = await asSent(request, server.blobStore);
  return { ...requested, input: withLibrary(requested.input, server.libraryDir) };
}

/** What a request's document may need of the server: where an uploaded book's cover is kept, and its library. */
export interface DocumentServer {
  blobStore: BlobStore;
  libraryDir?: string;
}

async function asSent(request: FastifyRequest, blobStore: BlobStore): Promise<RequestedDocument> {
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new HttpProblem(400, 'Invalid input: input must be a JSON object with a "text" field', 'input');
    const sent = body as AudioDocumentInput;
    // The server's workers pin the engine themselves: a caller's pin could run any model on the server's token.
    if ('pin' in sent) throw new HttpProblem(400, 'Invalid input: pin is set by the server, not by a request', 'pin');
    const input = withOutputShortForms(sent);
    return titled(input, typeof input.text === 'string' ? input.text : undefined, {}, fingerprintOf(sent));
  }
  if (type === 'text/plain') return fromForm(String(request.body ?? ''), request.query as Record<string, unknown>);
  if (type === 'multipart/form-data') return fromMultipart(request, blobStore);
  throw new HttpProblem(415, `send application/json, text/plain or multipart/form-data, not ${type ?? 'no Content-Type'}`);
}

async function fromMultipart(request: FastifyRequest, blobStore: BlobStore): Promise<RequestedDocument> {
  const fields: Record<string, unknown> = {};
  let file: Buffer | undefined;
  let fileName: string | undefined;
  let lexicon: Lexicon | undefined;
  for await (const part of request.parts({ limits: { fileSize: MAX_UPLOAD_BYTES, files: 2 } })) {
    // A pronunciation dictionary, as a file or a field: JSON.
    if (part.fieldname === 'lexicon') {
      lexicon = lexiconPart(part.type === 'file' ? (await part.toBuffer()).toString('utf8') : String(part.value));
    } else if (part.type === 'file') {
      if (file) throw new HttpProblem(400, 'Invalid input: send one document file (and at most a `lexicon` file beside it)', 'file');
      fileName = part.filename;
      file = await part.toBuffer();
    } else {
      fields[part.fieldname] = part.value;
    }
  }
  // Read once every field is in: `frontMatter` may come after the file.
  const frontMatter = frontMatterField(fields.frontMatter);
  const uploaded = file ? await uploadedText(file, fileName ?? '', frontMatter) : undefined;
  const given = uploaded?.text ?? (typeof fields.text === 'string' ? fields.text : undefined);
  if (given === undefined) throw new HttpProblem(400, 'Invalid input: text is required: send a `file` part or a `text` field', 'text');
  const { text: _text, frontMatter: _frontMatter, ...options } = fields;
  const document = fromForm(given, options, lexicon, {
    ...(uploaded?.title ? { metadata: uploaded.title } : {}),
    ...(fileName ? { fileName } : {}),
  });
  if (!uploaded) return document;
  // What the book says of itself (author, blurb, language, series, cover), under what the form says.
  const book = await bookOutput(uploaded, blobStore);
  return { ...document, input: { ...document.input, output: { ...book, ...document.input.output } } };
}

/** An uploaded file read as its format and encoding say (text, Markdown, HTML, EPUB; src/books). */
async function uploadedText(bytes: Buffer, fileName: string, frontMatter?: FrontMatter): Promise<ImportedDocument> {
  try {
    return await readDocument(bytes, fileName || 'upload', frontMatter ? { frontMatter } : {});
  } catch (error) {
    if (error instanceof DocumentFileError) throw new HttpProblem(400, `Invalid input: file ${error.message}`, 'file');
    throw error;
  }
}

/** The `lexicon` part: a JSON object (its entries are checked with the rest of the input). */
function lexiconPart(json: string): Lexicon | undefined {
  if (json.trim() === '') return undefined;
  try {
    return parseLexicon(json);
  } catch (error) {
    throw new HttpProblem(400, `Invalid input: lexicon ${(error as Error).message}`, 'lexicon');
  }
}

/** An EPUB's title page: `announce` (the default) or `skip`. */
function frontMatterField(value: unknown): FrontMatter | undefined {
  if (value === undefined || value === '') return undefined;
  if ((FRONT_MATTER as readonly unknown[]).includes(value)) return value as FrontMatter;
  throw new HttpProblem(400, `Invalid input: frontMatter must be one of ${FRONT_MATTER.join(', ')}, got "${String(value)}"`, 'frontMatter');
}

function withLibrary(input: AudioDocumentInput, libraryDir: string | undefined): AudioDocumentInput {
  const output = input.output ?? {};
  if (typeof output !== 'object' || output === null) return input; // the schema says what is wrong with it
  if (output.library === true && !libraryDir)
    throw new HttpProblem(400, 'Invalid input: output.library: this server has no audiobook library (AUDIO_LIBRARY_DIR)', 'output.library');
  if (!libraryDir || output.library !== undefined) return input;
  const chosen = output.format || output.preset || output.name;
  return { ...input, output: { ...output, library: true, ...(chosen ? {} : { format: 'm4b' as const }) } };
}

/** Form fields and query parameters are strings: numbers are turned back into numbers here. */
function fromForm(text: string, fields: Record<string, unknown>, lexicon?: Lexicon, sources: TitleSources = {}): RequestedDocument {
  const unknown = Object.keys(fields).find((key) => key !== 'access_token' && !(FORM_OPTIONS as readonly string[]).includes(key));
  if (unknown) throw new HttpProblem(400, `Invalid input: ${unknown} is not a known option (known: ${FORM_OPTIONS.join(', ')})`, unknown);
  const value = (key: string) => {
    const raw = fields[key];
    if (typeof raw !== 'string' || raw === '') return undefined;
    return NUMERIC.has(key) && /^-?\d+(\.\d+)?$/u.test(raw) ? Number(raw) : raw;
  };
  const input: AudioDocumentInput = { text, ...(lexicon && Object.keys(lexicon).length > 0 ? { lexicon } : {}) };
  for (const key of ['mode', 'concurrency', 'schedule', 'maxChunkChars', 'engine', 'voice', 'dialogueVoice', 'speed'] as const) {
    const v = value(key);
    if (v !== undefined) (input as unknown as Record<string, unknown>)[key] = v;
  }
  const library = value('library');
  if (library !== undefined && !['true', 'false'].includes(String(library)))
    throw new HttpProblem(400, `Invalid input: library must be true or false, got "${String(library)}"`, 'library');
  const verify = value('verify');
  if (verify !== undefined) {
    if (!['true', 'false', 'on'].includes(String(verify)))
      throw new HttpProblem(400, `Invalid input: verify must be true or false, got "${String(verify)}"`, 'verify');
    if (verify !== 'false') input.verify = true;
  }
  const output = {
    ...Object.fromEntries(OUTPUT_OPTIONS.flatMap((key) => (value(key) === undefined ? [] : [[key, value(key)]]))),
    ...(library === undefined ? {} : { library: library === 'true' }),
  };
  if (Object.keys(output).length > 0) input.output = output as AudioDocumentInput['output'];
  return titled(input, text, sources, fingerprintOf(input));
}

/**
 * The document with its title, by the one rule (src/document/title.ts), told to the workflow too
 * (`output.title`): the list, the page, `client list`, the tags and the download names then agree.
 */
function titled(input: AudioDocumentInput, text: string | undefined, sources: TitleSources, fingerprint: string): RequestedDocument {
  const output: unknown = input.output;
  const given = isPlainObject(output) && typeof output.title === 'string' ? output.title : undefined;
  // Not a text or an output the schema takes: its validation names the field, untouched by us.
  if (text === undefined || (output !== undefined && !isPlainObject(output)) || (isPlainObject(output) && 'title' in output && !given))
    return { input: withDefaults(input), title: given ?? '', fingerprint };
  const title = titleOfDocument(text, { ...sources, ...(typeof given === 'string' ? { given } : {}) });
  return { input: withDefaults({ ...input, output: { ...input.output, title } }), title, fingerprint };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON takes the form's names for the file's options as short forms: `{"format": "mp3"}` is
 * `{"output": {"format": "mp3"}}`. Both at once must agree.
 */
function withOutputShortForms(input: AudioDocumentInput): AudioDocumentInput {
  const shortForms = OUTPUT_OPTIONS.filter((key) => key in input);
  if (shortForms.length === 0) return input;
  const record = { ...input } as Record<string, unknown>;
  const output = { ...(typeof record.output === 'object' && record.output !== null ? record.output : {}) } as Record<string, unknown>;
  for (const key of shortForms) {
    if (key in output && output[key] !== record[key])
      throw new HttpProblem(400, `Invalid input: ${key} is the short form of output.${key}; they differ, send one`, key);
    output[key] = record[key];
    delete record[key];
  }
  return { ...(record as unknown as AudioDocumentInput), output: output as AudioDocumentInput['output'] };
}

/** A hash of a request as sent: an Idempotency-Key retried with another body is refused. */
export function fingerprintOf(input: AudioDocumentInput): string {
  return createHash('sha256').update(JSON.stringify(input)).digest('hex');
}

/** The server is a client like the CLI: unset options take the same environment defaults (engine, mode, concurrency). */
function withDefaults(input: AudioDocumentInput): AudioDocumentInput {
  const defaults = clientDefaults(process.env, typeof input.voice === 'string' ? input.voice : undefined);
  return {
    ...input,
    ...(input.engine === undefined ? { engine: defaults.engine } : {}),
    ...(input.mode === undefined && !defaults.parallel ? { mode: 'sequential' } : {}),
    ...(input.concurrency === undefined && defaults.concurrency !== undefined ? { concurrency: defaults.concurrency } : {}),
  };
}
