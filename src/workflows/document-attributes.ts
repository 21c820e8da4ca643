// The search attributes that make a document findable (`client list`, the Temporal UI's filters). Pure.

import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { PreparedText } from '../activities/index.ts';
import { DocumentCharacters, DocumentChunks, DocumentEngine, DocumentFormat, DocumentTitle } from '../contract/search-attributes.ts';
import type { ResolvedDocumentInput } from '../document/input.ts';
import { documentTitle } from '../document/title.ts';

export function documentSearchAttributes(input: ResolvedDocumentInput, plan: PreparedText, name: string): SearchAttributeUpdatePair[] {
  return [
    { key: DocumentTitle, value: documentTitle(input.output.title, plan.headings, name) },
    { key: DocumentCharacters, value: plan.characters },
    { key: DocumentChunks, value: plan.chunks },
    { key: DocumentEngine, value: input.engine },
    { key: DocumentFormat, value: input.output.format },
  ];
}
