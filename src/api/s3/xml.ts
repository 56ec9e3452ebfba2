import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { S3Error } from './s3-error.ts';

export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, processEntities: true });
const parserOptions = {
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  // Lists that may hold one element must still come back as arrays.
  isArray: (name: string) => ARRAYS.has(name),
};
const parser = new XMLParser(parserOptions);
/** Whitespace around object keys and tag values is part of them. */
const verbatimParser = new XMLParser({ ...parserOptions, trimValues: false });
const ARRAYS = new Set(['Part', 'Object', 'Tag', 'CORSRule', 'AllowedOrigin', 'AllowedMethod', 'AllowedHeader', 'ExposeHeader', 'Rule', 'Grant']);

/**
 * `<?xml ...?><root xmlns="...">body</root>`. Values are strings, numbers, nested objects or
 * arrays (an array repeats the element); text is escaped.
 */
export function toXml(root: string, body: Record<string, unknown>, namespace: string | null = S3_NS): string {
  const element = namespace ? { '@_xmlns': namespace, ...body } : body;
  return builder.build({ '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' }, [root]: element }) as string;
}

/**
 * `toXml` for a body whose elements interleave in an order one object cannot hold
 * (ListObjectVersions mixes `Version` and `DeleteMarker` in key order): each [name, value] in turn.
 */
export function toXmlSequence(root: string, children: [string, unknown][], namespace: string | null = S3_NS): string {
  const xmlns = namespace ? ` xmlns="${namespace}"` : '';
  const inner = children.map(([name, value]) => builder.build({ [name]: value }) as string).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><${root}${xmlns}>${inner}</${root}>`;
}

/** Parses a request body; anything that is not well-formed XML is S3's `MalformedXML`. */
export function parseXml(text: string, options: { verbatim?: boolean } = {}): Record<string, unknown> {
  if (!text.trim()) throw malformedXml();
  let doc: unknown;
  try {
    doc = (options.verbatim ? verbatimParser : parser).parse(text, true);
  } catch {
    throw malformedXml();
  }
  if (!doc || typeof doc !== 'object') throw malformedXml();
  const { '?xml': _decl, ...rest } = doc as Record<string, unknown>;
  void _decl;
  return rest;
}

export function malformedXml(): S3Error {
  return new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.', 400);
}
