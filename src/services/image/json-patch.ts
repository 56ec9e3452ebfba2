import { BadRequest, Conflict, Forbidden } from '../../platform/errors.ts';
import { checkValue, checkWritable, DRAFT_KEYS, type ImageDraft } from './model.ts';

export type PatchOp = 'add' | 'remove' | 'replace';

export interface Change {
  op: PatchOp;
  /** The decoded JSON pointer; for images always one segment. */
  path: string[];
  value?: unknown;
}

/**
 * The two PATCH media types Glance accepts: v2.1 is RFC 6902 (`{"op": "add", "path": ...}`), v2.0
 * is the older draft-4 form (`{"add": "/name", "value": ...}`) with a stricter `add`.
 */
export const PATCH_MEDIA_TYPES: Record<string, PatchDialect> = {
  'application/openstack-images-v2.0-json-patch': 4,
  'application/openstack-images-v2.1-json-patch': 10,
};
export type PatchDialect = 4 | 10;

const OPS: readonly PatchOp[] = ['add', 'remove', 'replace'];

/** Parses and checks a patch document the way Glance's RequestDeserializer.update does. */
export function parsePatch(body: unknown, dialect: PatchDialect): Change[] {
  if (!Array.isArray(body)) throw new BadRequest('Request body must be a JSON array of operation objects.');
  return body.map((raw: unknown) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new BadRequest('Operations must be JSON objects.');
    const obj = raw as Record<string, unknown>;
    const { op, pointer } = dialect === 10 ? opAndPointer10(obj) : opAndPointer4(obj);
    const path = decodePointer(pointer);
    checkPath(op, path);
    const change: Change = { op, path };
    if (op !== 'remove') {
      if (!('value' in obj)) throw new BadRequest(`Operation "${op}" requires a member named "value".`);
      change.value = obj.value;
    }
    checkWritable(path[0]!);
    if (op !== 'remove') checkValue(path[0]!, change.value);
    return change;
  });
}

function opAndPointer10(obj: Record<string, unknown>): { op: PatchOp; pointer: unknown } {
  const op = obj.op;
  if (op === undefined) throw new BadRequest(`Unable to find \`op\` in JSON Schema change. It must be one of the following: ${OPS.join(', ')}.`);
  if (!OPS.includes(op as PatchOp)) throw new BadRequest(`Invalid operation: \`${String(op)}\`. It must be one of the following: ${OPS.join(', ')}.`);
  if (!('path' in obj)) throw new BadRequest("Unable to find 'path' in JSON Schema change");
  return { op: op as PatchOp, pointer: obj.path };
}

function opAndPointer4(obj: Record<string, unknown>): { op: PatchOp; pointer: unknown } {
  const present = OPS.filter((o) => o in obj);
  if (present.length > 1) throw new BadRequest('Operation objects must contain only one member named "add", "remove", or "replace".');
  if (present.length === 0) throw new BadRequest('Operation objects must contain exactly one member named "add", "remove", or "replace".');
  return { op: present[0]!, pointer: obj[present[0]!] };
}

/** Glance accepts a limited form of JSON pointers; `~1` is `/` and `~0` is `~` inside a segment. */
export function decodePointer(pointer: unknown): string[] {
  if (typeof pointer !== 'string') throw new BadRequest(`Pointer \`${String(pointer)}\` is not a string.`);
  if (!pointer.startsWith('/')) throw new BadRequest(`Pointer \`${pointer}\` does not start with "/".`);
  if (/\/\s*?\//.test(pointer.slice(1))) throw new BadRequest(`Pointer \`${pointer}\` contains adjacent "/".`);
  if (pointer.length > 1 && pointer.endsWith('/')) throw new BadRequest(`Pointer \`${pointer}\` end with "/".`);
  if (pointer.slice(1).trim() === '/') throw new BadRequest(`Pointer \`${pointer}\` does not contains valid token.`);
  if (/~[^01]/.test(pointer) || pointer.endsWith('~')) throw new BadRequest(`Pointer \`${pointer}\` contains "~" not part of a recognized escape sequence.`);
  return pointer.replace(/^\/+/, '').split('/').map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~').trim());
}

function checkPath(op: PatchOp, path: string[]): void {
  // Locations are hidden here (Glance's show_multiple_locations=False): their changes are refused.
  if (path[0] === 'locations') {
    throw new Forbidden(`It's not allowed to ${op === 'replace' ? 'update' : op} locations if locations are invisible.`);
  }
  if (path.length !== 1) throw new BadRequest(`Invalid JSON pointer for this resource: '/${path.join('/')}'`);
}

/** Applies one checked change to a draft, with Glance's add/replace/remove semantics. */
export function applyChange(draft: ImageDraft, change: Change, dialect: PatchDialect): void {
  const name = change.path[0]!;
  const base = (DRAFT_KEYS as readonly string[]).includes(name);
  const props = draft.properties;
  if (change.op === 'remove') {
    if (base) throw new Forbidden(`Property ${name} may not be removed.`);
    if (!Object.hasOwn(props, name)) throw new Conflict(`Property ${name} does not exist.`);
    delete props[name];
    return;
  }
  if (change.op === 'replace' && !base && !Object.hasOwn(props, name)) throw new Conflict(`Property ${name} does not exist.`);
  if (change.op === 'add' && dialect === 4 && (base || Object.hasOwn(props, name))) throw new Conflict(`Property ${name} already present.`);
  if (!base) {
    props[name] = change.value as string;
  } else if (name === 'tags') {
    draft.tags = [...new Set(change.value as string[])];
  } else {
    (draft as Record<string, unknown>)[name] = change.value;
  }
}
