import { bool } from '../../platform/db/index.ts';
import { BadRequest, Forbidden, PayloadTooLarge } from '../../platform/errors.ts';
import type { ImageTable } from './tables.ts';

/** Glance's default `[image_format]` lists. */
export const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'] as const;
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'] as const;
export const VISIBILITIES = ['community', 'public', 'private', 'shared'] as const;
export const STATUSES = ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated'] as const;
export const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'] as const;
export const IMPORT_METHODS = ['glance-direct', 'web-download'] as const;

/** Glance's `image_size_cap` default: 1 TiB. */
export const IMAGE_SIZE_CAP = 1024 ** 4;
/** Glance's `image_property_quota`, `image_tag_quota` and `image_member_quota` defaults. */
export const PROPERTY_QUOTA = 128;
export const TAG_QUOTA = 128;
export const MEMBER_QUOTA = 128;

export type PropertySchema = {
  type: string | string[];
  description?: string;
  readOnly?: boolean;
  maxLength?: number;
  minimum?: number;
  enum?: readonly (string | null)[];
  pattern?: string;
  items?: PropertySchema;
};

const UUID = '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';

/**
 * Glance's base image properties (glance/api/v2/images.py get_base_properties), minus the
 * location fields this cloud does not expose. Served as `/v2/schemas/image` and used to validate
 * create bodies and PATCH values, so clients and server agree on one definition.
 */
export const BASE_PROPERTIES: Record<string, PropertySchema> = {
  id: { type: 'string', description: 'An identifier for the image', pattern: UUID },
  name: { type: ['null', 'string'], description: 'Descriptive name for the image', maxLength: 255 },
  status: { type: 'string', readOnly: true, description: 'Status of the image', enum: STATUSES },
  visibility: { type: 'string', description: 'Scope of image accessibility', enum: VISIBILITIES },
  protected: { type: 'boolean', description: 'If true, image will not be deletable.' },
  os_hidden: { type: 'boolean', description: 'If true, image will not appear in default image list response.' },
  checksum: { type: ['null', 'string'], readOnly: true, description: 'md5 hash of image contents.', maxLength: 32 },
  os_hash_algo: { type: ['null', 'string'], readOnly: true, description: 'Algorithm to calculate the os_hash_value', maxLength: 64 },
  os_hash_value: { type: ['null', 'string'], readOnly: true, description: 'Hexdigest of the image contents using the algorithm specified by the os_hash_algo', maxLength: 128 },
  owner: { type: ['null', 'string'], description: 'Owner of the image', maxLength: 255 },
  size: { type: ['null', 'integer'], readOnly: true, description: 'Size of image file in bytes' },
  virtual_size: { type: ['null', 'integer'], readOnly: true, description: 'Virtual size of image in bytes' },
  container_format: { type: ['null', 'string'], description: 'Format of the container', enum: [null, ...CONTAINER_FORMATS] },
  disk_format: { type: ['null', 'string'], description: 'Format of the disk', enum: [null, ...DISK_FORMATS] },
  created_at: { type: 'string', readOnly: true, description: 'Date and time of image registration' },
  updated_at: { type: 'string', readOnly: true, description: 'Date and time of the last image modification' },
  tags: { type: 'array', description: 'List of strings related to the image', items: { type: 'string', maxLength: 255 } },
  direct_url: { type: 'string', readOnly: true, description: 'URL to access the image file kept in external store' },
  min_ram: { type: 'integer', description: 'Amount of ram (in MB) required to boot image.', minimum: 0 },
  min_disk: { type: 'integer', description: 'Amount of disk space (in GB) required to boot image.', minimum: 0 },
  self: { type: 'string', readOnly: true, description: 'An image self url' },
  file: { type: 'string', readOnly: true, description: 'An image file url' },
  schema: { type: 'string', readOnly: true, description: 'An image schema url' },
};

/** Attributes a client may never set (RequestDeserializer._readonly_properties and friends). */
export const READONLY = ['created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size', 'direct_url', 'self', 'file', 'schema', 'id', 'os_hash_algo', 'os_hash_value', 'stores'];
const RESERVED = ['location', 'deleted', 'deleted_at'];
const RESERVED_PREFIX = 'os_glance';

/** What an image is, as the service hands it to the HTTP layer (which adds `self`, `file`, `schema`). */
export type Image = Omit<ImageTable, 'protected' | 'os_hidden'> & {
  protected: boolean;
  os_hidden: boolean;
  tags: string[];
  properties: Record<string, string>;
};

/** The part of an image its owner changes: create input and the subject of a JSON patch. */
export type ImageDraft = Pick<Image, 'name' | 'visibility' | 'protected' | 'os_hidden' | 'min_disk' | 'min_ram' | 'disk_format' | 'container_format' | 'owner' | 'tags' | 'properties'>;

export const DRAFT_KEYS = ['name', 'visibility', 'protected', 'os_hidden', 'min_disk', 'min_ram', 'disk_format', 'container_format', 'owner', 'tags'] as const;

export function toImage(row: ImageTable, properties: Record<string, string>, tags: string[]): Image {
  return { ...row, protected: bool(row.protected), os_hidden: bool(row.os_hidden), tags, properties };
}

/** Refuses attributes no client may set, with Glance's words and status (403). */
export function checkWritable(name: string): void {
  if (READONLY.includes(name)) throw new Forbidden(`Attribute '${name}' is read-only.`);
  if (RESERVED.includes(name) || name.startsWith(RESERVED_PREFIX)) throw new Forbidden(`Attribute '${name}' is reserved.`);
}

/**
 * Checks one property value against the image schema: a base property against its definition,
 * anything else as a free property (a string, as Glance's permissive schema requires).
 */
export function checkValue(name: string, value: unknown): void {
  if (!(name in BASE_PROPERTIES)) {
    if (name.length > 255) throw new BadRequest('Custom property should not be greater than 255 characters.');
    if (typeof value !== 'string') throw invalid(name, `${JSON.stringify(value)} is not of type 'string'`);
    return;
  }
  const problem = violation(BASE_PROPERTIES[name]!, value);
  if (problem) throw invalid(name, problem);
}

function invalid(name: string, problem: string): BadRequest {
  return new BadRequest(`Provided object does not match schema 'image': ${problem}. Failed validating property '${name}'.`);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

/** The subset of JSON Schema the image properties use. */
function violation(schema: PropertySchema, value: unknown): string | undefined {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (!types.includes(typeOf(value))) return `${JSON.stringify(value)} is not of type ${types.map((t) => `'${t}'`).join(', ')}`;
  if (schema.enum && !schema.enum.includes(value as string | null)) return `${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`;
  if (typeof value === 'string') {
    if (schema.maxLength !== undefined && value.length > schema.maxLength) return `${JSON.stringify(value)} is too long`;
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) return `${JSON.stringify(value)} does not match '${schema.pattern}'`;
  }
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum) return `${value} is less than the minimum of ${schema.minimum}`;
  if (Array.isArray(value) && schema.items) {
    for (const item of value) {
      const problem = violation(schema.items, item);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** Glance refuses AMI-family formats unless disk and container agree. */
export function checkFormats(draft: Pick<ImageDraft, 'disk_format' | 'container_format'>): void {
  const ami = ['ami', 'ari', 'aki'];
  const { disk_format: disk, container_format: container } = draft;
  if (disk && container && (ami.includes(disk) || ami.includes(container)) && disk !== container) {
    throw new BadRequest("Invalid mix of disk and container formats. When setting a disk or container format to one of 'aki', 'ari', or 'ami', the container and disk formats must match.");
  }
}

/** Quotas on tags and properties, answered 413 as Glance does. */
export function checkQuotas(draft: Pick<ImageDraft, 'tags' | 'properties'>): void {
  if (draft.tags.length > TAG_QUOTA) throw new PayloadTooLarge(`Maximum number of tags exceeded: at most ${TAG_QUOTA} are allowed.`);
  if (Object.keys(draft.properties).length > PROPERTY_QUOTA) {
    throw new PayloadTooLarge(`Maximum number of properties exceeded: at most ${PROPERTY_QUOTA} are allowed.`);
  }
}
