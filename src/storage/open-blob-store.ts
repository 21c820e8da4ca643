// The one place that turns a store's location into a store: a directory (or file:///dir) on a disk
// the workers share, or s3://bucket/prefix for workers that share nothing but S3.

import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { type BlobStore, LocalBlobStore } from './blob-store.ts';
import { S3BlobStore, statusOf } from './s3-blob-store.ts';

export function openBlobStore(location: string, env = process.env): BlobStore {
  if (location.startsWith('s3://')) {
    const { bucket, prefix } = parseS3Url(location);
    return new S3BlobStore(s3Client(env), bucket, prefix);
  }
  if (location.startsWith('file:')) return new LocalBlobStore(fileURLToPath(location));
  if (/^[a-z][\w+.-]*:\/\//iu.test(location))
    throw new Error(`cannot store in ${location}: use a directory, file:///dir or s3://bucket/prefix`);
  return new LocalBlobStore(location);
}

export function parseS3Url(location: string): { bucket: string; prefix: string } {
  const url = new URL(location);
  if (!url.hostname) throw new Error(`${location} names no bucket: use s3://bucket/prefix`);
  return { bucket: url.hostname, prefix: decodeURIComponent(url.pathname).replace(/^\/+|\/+$/gu, '') };
}

/**
 * The AWS SDK's standard settings. With AWS_ENDPOINT_URL (an S3-compatible server) buckets are
 * addressed by path, and the region defaults to us-east-1, which such servers accept.
 */
export function s3Client(env = process.env): S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  return new S3Client({
    ...(endpoint ? { endpoint, forcePathStyle: true, region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1' } : {}),
    // Keys in the given settings (else the SDK's own chain: its environment, profiles, roles).
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } } : {}),
  });
}

/**
 * A worker starting on S3 makes sure the bucket is there: creates it if it may (a fresh S3 server),
 * else says what is wrong before any document needs it.
 */
export async function ensureS3Bucket(location: string, env = process.env): Promise<void> {
  if (!location.startsWith('s3://')) return;
  const { bucket } = parseS3Url(location);
  const client = s3Client(env);
  const where = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || 'AWS';
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (error) {
    if (statusOf(error) !== 404) throw new Error(`cannot reach bucket "${bucket}" at ${where}: ${describe(error)}`);
  }
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    // Another worker starting at the same time made it.
    if (statusOf(error) === 409) return;
    throw new Error(`bucket "${bucket}" does not exist at ${where}, and creating it failed: ${describe(error)}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}
