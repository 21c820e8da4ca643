// Waiting in tests.

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The error `promise` rejects with (fails the test if it resolves). */
export async function rejection<E = Error>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error('expected the promise to reject');
}
