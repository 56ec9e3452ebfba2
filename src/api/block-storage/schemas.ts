/**
 * Request body schemas (JSON Schema, checked by Fastify before any handler runs), after Cinder's
 * own `cinder/api/schemas`. Inner objects allow extra properties as Cinder ignores unknown keys.
 */
type Schema = Record<string, unknown>;

const nullableStr = (max = 255): Schema => ({ type: ['string', 'null'], maxLength: max });
const meta = { type: 'object', additionalProperties: { type: 'string', maxLength: 255 } };
const uuidRef = { type: ['string', 'null'], maxLength: 36 };
const size = { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^[0-9]+$' }, { type: 'null' }] };
/** Cinder takes flags as booleans or their string forms (`"True"`). */
const flag = { anyOf: [{ type: 'boolean' }, { type: 'string', maxLength: 10 }] };

function wrap(key: string, props: Schema, required: string[] = [], nullable = false): Schema {
  return {
    type: 'object',
    required: [key],
    properties: { [key]: { type: nullable ? ['object', 'null'] : 'object', properties: props, required, additionalProperties: true } },
  };
}

export const createVolume = wrap('volume', {
  size, name: nullableStr(), description: nullableStr(), display_name: nullableStr(), display_description: nullableStr(),
  volume_type: nullableStr(), metadata: meta, snapshot_id: uuidRef, source_volid: uuidRef, backup_id: uuidRef,
  availability_zone: nullableStr(), imageRef: nullableStr(), multiattach: { type: 'boolean' },
});
export const updateVolume = wrap('volume', { name: nullableStr(), description: nullableStr(), metadata: meta });
export const volumeAction = { type: 'object', minProperties: 1, maxProperties: 1 };
export const metadata = { type: 'object', required: ['metadata'], properties: { metadata: meta } };
export const metaItem = { type: 'object', required: ['meta'], properties: { meta: { ...meta, minProperties: 1, maxProperties: 1 } } };

export const createType = wrap('volume_type', {
  name: { type: 'string', minLength: 1, maxLength: 255 }, description: nullableStr(), extra_specs: meta,
  'os-volume-type-access:is_public': flag, is_public: flag,
}, ['name']);
export const updateType = wrap('volume_type', {
  name: { type: 'string', minLength: 1, maxLength: 255 }, description: nullableStr(), is_public: flag,
});
export const extraSpecs = { type: 'object', required: ['extra_specs'], properties: { extra_specs: meta } };

export const createSnapshot = wrap('snapshot', {
  volume_id: { type: 'string', maxLength: 36 }, name: nullableStr(), description: nullableStr(), display_name: nullableStr(),
  force: flag, metadata: meta,
}, ['volume_id']);
export const updateSnapshot = wrap('snapshot', { name: nullableStr(), description: nullableStr() });

export const createBackup = wrap('backup', {
  volume_id: { type: 'string', maxLength: 36 }, name: nullableStr(), description: nullableStr(), container: nullableStr(),
  incremental: flag, force: flag, snapshot_id: uuidRef, metadata: meta,
}, ['volume_id']);
export const restoreBackup = wrap('restore', { volume_id: uuidRef, name: nullableStr() }, [], true);

export const createAttachment = wrap('attachment', {
  volume_uuid: { type: 'string', maxLength: 36 }, instance_uuid: uuidRef, connector: { type: ['object', 'null'] },
  mode: { type: 'string', enum: ['rw', 'ro'] },
}, ['volume_uuid']);
export const updateAttachment = wrap('attachment', { connector: { type: 'object' } }, ['connector']);

export const quotaSet = { type: 'object', required: ['quota_set'], properties: { quota_set: { type: 'object' } } };
