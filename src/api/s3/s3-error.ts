/**
 * An S3 error as the wire shows it: `<Error><Code/><Message/>...</Error>` with its status.
 * `extra` adds elements AWS sends for some codes (e.g. `AWSAccessKeyId`, `StringToSign`,
 * `ArgumentName`, `BucketName`, `Key`).
 */
export class S3Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'S3Error';
  }
}
