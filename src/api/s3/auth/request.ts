import type { IncomingHttpHeaders } from 'node:http';

/** A request as its signer saw it: nothing decoded, nothing normalized. */
export interface SignedRequest {
  method: string;
  /** The path as on the wire, still percent-encoded, without the query. */
  rawPath: string;
  /** The query as on the wire, without the `?`. */
  rawQuery: string;
  /**
   * Lower-case names. Node's `headersDistinct` keeps a repeated header's values apart, which
   * signing joins with `,`; plain `headers` has them already joined with `, `, which only
   * matters for the rare client that repeats a signed header.
   */
  headers: IncomingHttpHeaders;
  /**
   * The bucket named by the Host header of a virtual-hosted request: SigV2 signs the
   * resource as `/<bucket><path>`, so it must be known before the signature is checked.
   */
  bucketFromHost?: string;
}

/** A header's values as sent, or undefined when it is absent. */
export function headerValues(req: Pick<SignedRequest, 'headers'>, name: string): string[] | undefined {
  const value = req.headers[name];
  return value === undefined ? undefined : Array.isArray(value) ? value : [value];
}

export function header(req: Pick<SignedRequest, 'headers'>, name: string): string | undefined {
  return headerValues(req, name)?.join(',');
}
