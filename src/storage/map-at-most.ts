// Many small store reads at once, but not all: a book has tens of thousands of chunks, more files
// than a process may hold open, and from S3 each is a request.

/** `task` over `items`, at most `limit` running at once, results in order. */
export async function mapAtMost<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
