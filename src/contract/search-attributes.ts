// What makes a document findable later in Temporal's visibility (the UI's filter, `client list`):
// custom search attributes the workflow sets once it knows them. Registered by the dev servers we
// start (flags) and by every worker on any other server (src/temporal/search-attributes.ts).

import { defineSearchAttributeKey } from '@temporalio/common';

export const DocumentTitle = defineSearchAttributeKey('DocumentTitle', 'TEXT');
export const DocumentCharacters = defineSearchAttributeKey('DocumentCharacters', 'INT');
export const DocumentChunks = defineSearchAttributeKey('DocumentChunks', 'INT');
export const DocumentEngine = defineSearchAttributeKey('DocumentEngine', 'KEYWORD');
export const DocumentFormat = defineSearchAttributeKey('DocumentFormat', 'KEYWORD');

export const DOCUMENT_SEARCH_ATTRIBUTES = [DocumentTitle, DocumentCharacters, DocumentChunks, DocumentEngine, DocumentFormat] as const;

/** The memo a client puts on a document it starts: where its text came from. */
export interface DocumentMemo {
  /** The file's name as the user gave it ("book.epub"), "stdin", or "text" (the API's text field). */
  source: string;
}
