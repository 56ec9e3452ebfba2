import { BASE_PROPERTIES, MEMBER_STATUSES } from '../../services/image/index.ts';

/**
 * Request body schemas (checked by Fastify before any handler runs) and the JSON Schema documents
 * Glance serves under `/v2/schemas/...`. Image bodies are checked property by property in the
 * service against the same definitions the documents publish, with Glance's messages.
 */
type Schema = Record<string, unknown>;

export const createImage: Schema = { type: 'object' };
export const importImage: Schema = { type: 'object' };
export const createMember: Schema = {
  type: 'object', required: ['member'], properties: { member: { type: 'string', minLength: 1, maxLength: 255 } },
};
export const updateMember: Schema = {
  type: 'object', required: ['status'], properties: { status: { type: 'string', enum: [...MEMBER_STATUSES] } },
};

const imageLinks = [
  { rel: 'self', href: '{self}' },
  { rel: 'enclosure', href: '{file}' },
  { rel: 'describedby', href: '{schema}' },
];

/** glance.schema.PermissiveSchema: any extra property, as long as it is a string. */
export const imageDocument: Schema = {
  name: 'image',
  properties: BASE_PROPERTIES,
  additionalProperties: { type: 'string' },
  links: imageLinks,
};

const memberProperties = {
  member_id: { type: 'string', description: 'An identifier for the image member (tenantId)' },
  image_id: {
    type: 'string', description: 'An identifier for the image',
    pattern: '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$',
  },
  created_at: { type: 'string', description: 'Date and time of image member creation' },
  updated_at: { type: 'string', description: 'Date and time of last modification of image member' },
  status: { type: 'string', description: 'The status of this image member', enum: [...MEMBER_STATUSES] },
  schema: { readOnly: true, type: 'string' },
};

export const memberDocument: Schema = { name: 'member', properties: memberProperties, additionalProperties: false };

/** glance.schema.CollectionSchema. */
function collection(name: string, item: Schema): Schema {
  return {
    name,
    properties: {
      [name]: { type: 'array', items: item },
      first: { type: 'string' },
      next: { type: 'string' },
      schema: { type: 'string' },
    },
    links: [
      { rel: 'first', href: '{first}' },
      { rel: 'next', href: '{next}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

export const imagesDocument = collection('images', imageDocument);
export const membersDocument = collection('members', memberDocument);
