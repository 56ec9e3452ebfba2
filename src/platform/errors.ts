/**
 * The error tree every layer speaks. Services throw these; each API plugin renders them in its
 * upstream wire format (Keystone `{"error": ...}`, Nova `{"itemNotFound": ...}`, S3 XML, ...).
 */
export class SovError extends Error {
  readonly status: number = 500;
  readonly title: string = 'Internal Server Error';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class BadRequest extends SovError {
  override readonly status = 400;
  override readonly title = 'Bad Request';
}

export class Unauthorized extends SovError {
  override readonly status = 401;
  override readonly title = 'Unauthorized';
  constructor(message = 'The request you have made requires authentication.', options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class Forbidden extends SovError {
  override readonly status = 403;
  override readonly title = 'Forbidden';
}

export class NotFound extends SovError {
  override readonly status = 404;
  override readonly title = 'Not Found';
}

export class Conflict extends SovError {
  override readonly status = 409;
  override readonly title = 'Conflict';
}

export class PayloadTooLarge extends SovError {
  override readonly status = 413;
  override readonly title = 'Request Entity Too Large';
}

export class UnsupportedMediaType extends SovError {
  override readonly status = 415;
  override readonly title = 'Unsupported Media Type';
}

/** The requested byte range lies outside data of `size` bytes, or is malformed (webob's 416). */
export class RangeNotSatisfiable extends SovError {
  override readonly status = 416;
  override readonly title = 'Request Range Not Satisfiable';
  constructor(message: string, readonly size: number) {
    super(message);
  }
}

/** `${kind} ${id}` not found, phrased the way Keystone and Nova phrase it. */
export function notFound(kind: string, id: string): NotFound {
  return new NotFound(`Could not find ${kind}: ${id}.`);
}
