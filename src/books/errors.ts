// The one error readDocument throws for a file it cannot read: the message is for the user.

/** A file that cannot be read as a document; the message names the problem and, if any, the fix. */
export class DocumentFileError extends Error {
  override name = 'DocumentFileError';
}
