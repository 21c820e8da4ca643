// Registers the documents' search attributes on a server that lacks them: a workflow that sets an
// unknown one would fail every workflow task. Our dev servers get them as flags at start-up; a
// worker on any other server adds them here (an operator call, once per namespace).

import proto from '@temporalio/proto'; // CommonJS: its namespaces come on the default export
import type { NativeConnection } from '@temporalio/worker';

import { DOCUMENT_SEARCH_ATTRIBUTES } from '../contract/search-attributes.ts';

/** `--search-attribute Name=Type` flags for `temporal server start-dev`. */
export function devServerSearchAttributeFlags(): string[] {
  const cliType = (type: string) => type.charAt(0) + type.slice(1).toLowerCase(); // TEXT -> Text
  return DOCUMENT_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${cliType(key.type)}`]);
}

export async function ensureSearchAttributes(connection: NativeConnection, namespace: string): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = DOCUMENT_SEARCH_ATTRIBUTES.filter((key) => !customAttributes?.[key.name]);
  if (missing.length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((key) => [key.name, proto.temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]]),
      ),
    });
  } catch (error) {
    const commands = missing.map(
      (key) =>
        `temporal operator search-attribute create -n ${namespace} --name ${key.name} --type ` +
        `${key.type.charAt(0) + key.type.slice(1).toLowerCase()}`,
    );
    throw new Error(
      `the server lacks the search attributes documents set, and would not add them (${(error as Error).message}); ` +
        `an operator can add them with:\n  ${commands.join('\n  ')}`,
    );
  }
}
