// Entry of a Kokoro worker thread: loads kokoro-thread.ts through tsx's scoped loader, so the thread
// runs the same whether or not its process has a TypeScript loader (vitest's forks have none in threads).

import { tsImport } from 'tsx/esm/api';

await tsImport('./kokoro-thread.ts', import.meta.url);
