import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller, DataOptions, ObjectBackend } from '../../services/object-storage/types.ts';

/**
 * One authenticated S3 request, as the plugin hands it to an operation: who calls, which bucket
 * and key (path-style or virtual-host style already resolved, key decoded), and the payload.
 */
export interface S3Call {
  req: FastifyRequest;
  reply: FastifyReply;
  objects: ObjectBackend;
  caller: Caller;
  /** undefined for the service root (`GET /`). */
  bucket?: string;
  /** undefined for bucket-level requests. */
  key?: string;
  query: URLSearchParams;
  /** The payload with any `aws-chunked` framing removed; empty for bodiless requests. */
  body: Readable;
  /**
   * What the signature demands of the payload (its SHA-256, a trailing checksum): pass these
   * options to the backend's data calls so it verifies them before anything becomes visible.
   */
  payload: DataOptions;
  /** Reads a small body (XML configuration, DeleteObjects) whole, verified like `payload`. */
  readBody(limit?: number): Promise<Buffer>;
  /** The request id echoed in `x-amz-request-id` and error bodies. */
  requestId: string;
}

/**
 * An S3 operation. Operations are chosen by method, by whether a bucket and a key are present,
 * and by the sub-resource query parameter (`?versioning`, `?uploads`, `?tagging`, ...).
 */
export type S3Operation = (call: S3Call) => Promise<void>;

/**
 * `"<METHOD> <level> <subresource>"` → operation, level being `service`, `bucket` or `object`
 * and subresource the first recognised sub-resource parameter or `-` (e.g. `GET bucket -` is
 * ListObjects, `PUT object uploadId` is UploadPart, `POST bucket delete` is DeleteObjects).
 */
export type S3Routes = Record<string, S3Operation>;
