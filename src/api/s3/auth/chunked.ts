import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { S3Error } from '../s3-error.ts';
import { incompleteBody, invalidChunk, malformedTrailer, signatureDoesNotMatch } from './errors.ts';
import { sameSignature } from './sigv4.ts';

/** Computes the chained SigV4 signatures of a streaming upload (see `sigv4.ts`). */
export interface ChunkSigner {
  /** The signature of the request headers, which the first chunk's signature chains from. */
  readonly seed: string;
  chunk(previous: string, dataSha256Hex: string): string;
  trailer(previous: string, trailerSha256Hex: string): string;
}

export interface ChunkedOptions {
  /** Chunks carry `;chunk-signature=`; absent for STREAMING-UNSIGNED-PAYLOAD-TRAILER. */
  signer?: ChunkSigner;
  /** Trailing headers follow the last chunk (the `-TRAILER` payload types). */
  trailer: boolean;
  /** Trailer names announced in `x-amz-trailer` (lower case); each must arrive. */
  expectedTrailers: string[];
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** A chunk header is `<hex size>;chunk-signature=<64 hex>`; anything much longer is garbage. */
const MAX_LINE = 4096;

type State = 'header' | 'data' | 'dataEnd' | 'trailer' | 'end';

/**
 * Strips `aws-chunked` framing (`<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n` ... a zero
 * chunk, then trailer lines and an empty line for the trailer variants). Data flows through as
 * it arrives, so memory stays bounded by the input buffers; a chunk whose signature fails is
 * only detected after its data, so the stream then errors and the consumer must discard what it
 * received (the object layer does: an errored body never becomes visible).
 */
export class AwsChunkedDecoder extends Transform {
  /** Trailing headers by lower-case name, complete once the stream has ended. */
  readonly trailers = new Map<string, string>();
  private state: State = 'header';
  private line: Buffer[] = [];
  private lineLength = 0;
  private remaining = 0;
  private lastChunk = false;
  private crlfSeen = 0;
  private hash: Hash | undefined;
  private chunkSignature = '';
  private previous: string;
  private trailerText = '';
  private trailerSigned = false;

  constructor(private readonly options: ChunkedOptions) {
    super();
    this.previous = options.signer?.seed ?? '';
  }

  override _transform(input: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      let at = 0;
      while (at < input.length) {
        switch (this.state) {
          case 'data': {
            const take = Math.min(this.remaining, input.length - at);
            const data = input.subarray(at, at + take);
            this.hash?.update(data);
            this.push(data);
            this.remaining -= take;
            at += take;
            if (this.remaining === 0) this.state = 'dataEnd';
            break;
          }
          case 'dataEnd':
            if (input[at++] !== (this.crlfSeen === 0 ? 0x0d : 0x0a)) throw invalidChunk('chunk data is not followed by CRLF');
            if (++this.crlfSeen === 2) this.endChunk();
            break;
          case 'end':
            throw invalidChunk('data after the final chunk');
          default: {
            const newline = input.indexOf(0x0a, at);
            const end = newline < 0 ? input.length : newline;
            this.lineLength += end - at;
            if (this.lineLength > MAX_LINE) throw invalidChunk('chunk header too long');
            this.line.push(input.subarray(at, end));
            at = end;
            if (newline >= 0) {
              at++;
              const text = Buffer.concat(this.line).toString('latin1').replace(/\r$/, '');
              this.line = [];
              this.lineLength = 0;
              if (this.state === 'header') this.startChunk(text);
              else this.trailerLine(text);
            }
          }
        }
      }
      done();
    } catch (err) {
      done(err as S3Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.state !== 'end') return done(this.state === 'trailer' ? malformedTrailer() : incompleteBody());
    done();
  }

  private startChunk(line: string): void {
    const match = /^([0-9a-fA-F]{1,13})(?:;(.*))?$/.exec(line);
    if (!match) throw invalidChunk('malformed chunk header');
    const size = parseInt(match[1]!, 16);
    if (this.options.signer) {
      const signature = /^chunk-signature=([^;]+)$/.exec(match[2] ?? '');
      if (!signature) throw invalidChunk('chunk signature missing');
      this.chunkSignature = signature[1]!;
    }
    if (size === 0 && this.options.trailer) {
      this.verifyChunk(EMPTY_SHA256);
      this.state = 'trailer';
      return;
    }
    this.hash = this.options.signer && size > 0 ? createHash('sha256') : undefined;
    this.lastChunk = size === 0;
    this.remaining = size;
    this.crlfSeen = 0;
    this.state = size > 0 ? 'data' : 'dataEnd';
  }

  private endChunk(): void {
    this.verifyChunk(this.hash ? this.hash.digest('hex') : EMPTY_SHA256);
    this.hash = undefined;
    // Without trailers, the zero-length chunk and its CRLF end the body.
    this.state = this.lastChunk ? 'end' : 'header';
  }

  private verifyChunk(dataSha256: string): void {
    const signer = this.options.signer;
    if (!signer) return;
    const expected = signer.chunk(this.previous, dataSha256);
    if (!sameSignature(expected, this.chunkSignature)) throw signatureDoesNotMatch();
    this.previous = expected;
  }

  private trailerLine(line: string): void {
    if (line === '') {
      // Some clients put the zero chunk's CRLF before the trailers: skip it while any are due.
      if (this.trailers.size === 0 && !this.trailerSigned && this.options.expectedTrailers.length > 0) return;
      if (this.options.signer && !this.trailerSigned) throw malformedTrailer();
      if (this.options.expectedTrailers.some((name) => !this.trailers.has(name))) throw malformedTrailer();
      this.state = 'end';
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || this.trailerSigned) throw malformedTrailer();
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature' && this.options.signer) {
      const expected = this.options.signer.trailer(this.previous, createHash('sha256').update(this.trailerText, 'latin1').digest('hex'));
      if (!sameSignature(expected, value)) throw signatureDoesNotMatch();
      this.trailerSigned = true;
      return;
    }
    this.trailers.set(name, value);
    this.trailerText += `${name}:${value}\n`;
  }
}
