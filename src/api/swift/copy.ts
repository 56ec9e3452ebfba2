import { joinContentType, splitContentType } from './content-type.ts';
import { sendStatus, type SwiftCall } from './context.ts';
import { SwiftError } from './errors.ts';
import { dloView, openPieces, sloView } from './large-objects.ts';
import { metaHeaders } from './metadata.ts';
import { describeRequest } from './object-headers.ts';
import { containerAndObject, invalidUtf8 } from './path.ts';
import { header, httpDate, isTrue, quote } from './wire.ts';

interface Location {
  container: string;
  object: string;
}

interface Source extends Location {
  /** Only when the request names it (`X-Copy-From-Account`). */
  account?: string;
}

function accountHeader(call: SwiftCall, name: string): string | undefined {
  const value = header(call.req, name);
  if (value === undefined) return undefined;
  let account: string;
  try {
    account = decodeURIComponent(value);
  } catch {
    throw invalidUtf8();
  }
  if (!account) throw new SwiftError(412, 'Account name cannot be empty');
  return account;
}

/** `PUT` with `X-Copy-From: container/object` (and `X-Copy-From-Account`): the path is the destination. */
export async function copyFrom(call: SwiftCall): Promise<void> {
  if (Number(call.req.headers['content-length'] ?? 0) > 0) throw new SwiftError(400, 'Copy requests require a zero byte body');
  const source = { ...containerAndObject(header(call.req, 'x-copy-from')!, 'X-Copy-From'), account: accountHeader(call, 'x-copy-from-account') };
  await copy(call, source, { container: call.path.container!, object: call.path.object! });
}

/** `COPY` with `Destination: container/object` (and `Destination-Account`): the path is the source. */
export async function copyTo(call: SwiftCall): Promise<void> {
  const destination = header(call.req, 'destination');
  if (destination === undefined) throw new SwiftError(412, 'You must specify the Destination header');
  // Checked as Swift checks it; container names are global here, so it selects nothing.
  accountHeader(call, 'destination-account');
  await copy(call, { container: call.path.container!, object: call.path.object! }, containerAndObject(destination, 'Destination'));
}

/**
 * Swift's server-side copy: the new object takes the source's metadata with the request's on top
 * (only the request's with `X-Fresh-Metadata`). A large object is copied as its data, unless
 * `multipart-manifest=get` asks for the manifest itself.
 */
async function copy(call: SwiftCall, source: Source, target: Location): Promise<void> {
  const { objects, caller, req, query, tempUrl } = call;
  // A temp URL reaches its own account only, and a container key its own container.
  if (tempUrl && ((source.account ?? call.path.account) !== call.path.account || (tempUrl.scope === 'container' && source.container !== tempUrl.container))) {
    throw new SwiftError(401);
  }
  const manifestGet = query.get('multipart-manifest') === 'get';
  const { info: src } = await objects.headObject(caller, source.container, source.object, {});
  const d = describeRequest(req, Date.now());
  const fresh = isTrue(header(req, 'x-fresh-metadata'));
  const userMeta = fresh ? d.userMeta : { ...src.userMeta, ...d.userMeta };
  const headers = fresh ? d.headers : { ...src.headers, ...d.headers };
  // X-Delete-At travels with the source's metadata.
  const deleteAt = d.deleteAt ?? (fresh ? undefined : src.deleteAt);
  let info;
  if ((src.slo || src.manifest) && !manifestGet) {
    const view = src.slo ? await sloView(objects, caller, src, true) : await dloView(objects, caller, src.manifest!);
    const data = await openPieces(objects, caller, view.pieces!);
    try {
      info = await objects.putObject(caller, target.container, target.object, data, {
        size: view.size, contentType: d.contentType ?? splitContentType(src.contentType).contentType, userMeta, headers, deleteAt,
      });
    } finally {
      // A refused write never reads the segments it was handed.
      data.destroy();
    }
  } else {
    // A copied manifest keeps the large object's size and ETag with its content type.
    const contentType = d.contentType === undefined ? src.contentType : src.slo ? joinContentType({ ...splitContentType(src.contentType), contentType: d.contentType }) : d.contentType;
    ({ info } = await objects.copyObject(caller, { bucket: source.container, key: source.object }, target.container, target.object, {
      metadataDirective: 'REPLACE', taggingDirective: 'COPY', contentType, userMeta, headers, deleteAt, manifest: src.manifest, slo: src.slo,
    }));
  }
  // Swift's copy answers with the new object's metadata along with where it came from.
  const out: Record<string, string> = {
    ETag: info.etag,
    'Last-Modified': httpDate(info.lastModified),
    'X-Copied-From-Account': quote(source.account ?? call.path.account),
    'X-Copied-From': quote(`${source.container}/${source.object}`),
    'X-Copied-From-Last-Modified': httpDate(src.lastModified),
    ...metaHeaders(info.userMeta, 'object'),
  };
  if (info.deleteAt !== undefined) out['X-Delete-At'] = String(info.deleteAt);
  sendStatus(call.reply, 201, out);
}
