// Chunks (and texts, plans, ref lists) in an S3 bucket: what a fleet of workers on different
// machines shares. Reached with the AWS SDK's own settings (AWS_ENDPOINT_URL, AWS_REGION,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), so any S3-compatible server works.

import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { sha256Of } from '../system/sha256-off-thread.ts';
import { BlobOutsideStoreError, type BlobStore, checkBlobKey, type HashedBlob, type StoredBlob } from './blob-store.ts';

/** A conditional put that met another write in flight (S3 answers 409): try again, a few times. */
const CONFLICT_RETRIES = 3;

export class S3BlobStore implements BlobStore {
  /** `s3://bucket/prefix/`: every uri of this store starts with it. */
  readonly base: string;

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    readonly prefix: string,
  ) {
    this.base = `s3://${bucket}/${prefix ? `${prefix}/` : ''}`;
  }

  /**
   * A conditional put (`If-None-Match: *`): S3 itself refuses a second write to the key (412), so
   * two workers racing on one chunk cannot both win, and the loser reads what the winner stored.
   */
  async put(key: string, bytes: Uint8Array): Promise<StoredBlob> {
    const uri = this.uriOf(key);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: bytes, IfNoneMatch: '*' }));
        return { uri, bytes };
      } catch (error) {
        const status = statusOf(error);
        if (status === 412) return { uri, bytes: await this.get(uri) };
        if (status !== 409 || attempt >= CONFLICT_RETRIES) throw error;
      }
    }
  }

  async find(key: string): Promise<string | undefined> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return this.uriOf(key);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async get(uri: string): Promise<Buffer> {
    if (!uri.startsWith(this.base)) throw new BlobOutsideStoreError(`${uri} is not in this worker's chunk store, ${this.base}`);
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(uri.slice(this.base.length)) }),
      );
      return Buffer.from(await response.Body!.transformToByteArray());
    } catch (error) {
      // As the local store says it: callers tell a missing blob by its code.
      if (statusOf(error) === 404) throw Object.assign(new Error(`${uri} is not in the store`), { code: 'ENOENT' });
      throw error;
    }
  }

  /** (A spare buffer is not used: the client reads into its own.) */
  async getHashed(uri: string): Promise<HashedBlob> {
    const bytes = await this.get(uri);
    return { bytes, sha256: await sha256Of(bytes) };
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  /** No local path lies inside a bucket. */
  owns(): boolean {
    return false;
  }

  private uriOf(key: string): string {
    return `${this.base}${checkBlobKey(key)}`;
  }

  private objectKey(key: string): string {
    return `${this.prefix ? `${this.prefix}/` : ''}${checkBlobKey(key)}`;
  }
}

/** The HTTP status of an S3 error (404 missing, 409 conflict, 412 taken), if it is one. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}
