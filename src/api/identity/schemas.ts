/**
 * Request body schemas (JSON Schema, checked by Fastify before any handler runs). Inner objects
 * allow extra properties because Keystone stores unknown attributes as `extra`.
 */
type Schema = Record<string, unknown>;

const str = (max = 255): Schema => ({ type: 'string', maxLength: max });
const name = { type: 'string', minLength: 1, maxLength: 255 };
const nullableStr = (max = 255): Schema => ({ type: ['string', 'null'], maxLength: max });
const bool = { type: 'boolean' };

function wrap(key: string, props: Schema, required: string[] = []): Schema {
  return {
    type: 'object',
    required: [key],
    properties: { [key]: { type: 'object', properties: props, required, additionalProperties: true } },
  };
}

const domain = { id: str(64), name: str(), description: str(65535), enabled: bool, explicit_domain_id: str(64) };
export const createDomain = wrap('domain', domain, ['name']);
export const updateDomain = wrap('domain', { ...domain, name });

const tags = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 255 }, maxItems: 80 };
const project = { name, domain_id: nullableStr(64), parent_id: nullableStr(64), description: str(65535), enabled: bool, is_domain: bool, tags };
export const createProject = wrap('project', project, ['name']);
export const updateProject = wrap('project', project);
export const replaceTags = { type: 'object', required: ['tags'], properties: { tags } };

const user = {
  name, domain_id: str(64), enabled: bool, password: { type: ['string', 'null'], maxLength: 4096 },
  default_project_id: nullableStr(64), options: { type: 'object' },
};
export const createUser = wrap('user', user, ['name']);
export const updateUser = wrap('user', user);
export const changePassword = wrap('user', { password: { type: 'string', minLength: 1, maxLength: 4096 }, original_password: { type: 'string', maxLength: 4096 } }, ['password', 'original_password']);

const group = { name, domain_id: str(64), description: str(65535) };
export const createGroup = wrap('group', group, ['name']);
export const updateGroup = wrap('group', group);

const role = { name, domain_id: nullableStr(64), description: str(255), options: { type: 'object' } };
export const createRole = wrap('role', role, ['name']);
export const updateRole = wrap('role', role);

const region = { id: str(255), description: str(255), parent_region_id: nullableStr(255) };
export const createRegion = wrap('region', region);
export const updateRegion = wrap('region', region);

const service = { type: { type: 'string', minLength: 1, maxLength: 255 }, name: str(), description: str(), enabled: bool };
export const createService = wrap('service', service, ['type']);
export const updateService = wrap('service', service);

const endpoint = { service_id: str(64), interface: str(8), url: { type: 'string', minLength: 1, maxLength: 1024 }, region_id: nullableStr(255), region: nullableStr(255), enabled: bool };
export const createEndpoint = wrap('endpoint', endpoint, ['service_id', 'interface', 'url']);
export const updateEndpoint = wrap('endpoint', endpoint);

const roleRef = { type: 'object', properties: { id: str(64), name: str() }, additionalProperties: false };
export const createApplicationCredential = wrap('application_credential', {
  name, description: nullableStr(65535), secret: { type: 'string', minLength: 1, maxLength: 4096 },
  expires_at: nullableStr(64), roles: { type: 'array', items: roleRef }, unrestricted: bool,
  access_rules: { type: 'array' },
}, ['name']);

const credential = { user_id: str(64), project_id: nullableStr(64), type: { type: 'string', minLength: 1, maxLength: 255 }, blob: { type: 'string', maxLength: 65535 } };
export const createCredential = wrap('credential', credential, ['user_id', 'type', 'blob']);
export const updateCredential = wrap('credential', credential);
export const createEc2 = { type: 'object', required: ['tenant_id'], properties: { tenant_id: str(64) } };

const userRef = {
  type: 'object',
  properties: { id: str(64), name: str(), domain: { type: 'object', properties: { id: str(64), name: str() } } },
};
const scopeRef = { type: 'object', properties: { id: str(64), name: str(), domain: { type: 'object', properties: { id: str(64), name: str() } } } };
export const authTokens = {
  type: 'object',
  required: ['auth'],
  properties: {
    auth: {
      type: 'object',
      required: ['identity'],
      properties: {
        identity: {
          type: 'object',
          required: ['methods'],
          properties: {
            methods: { type: 'array', items: { type: 'string' } },
            password: { type: 'object', required: ['user'], properties: { user: { ...userRef, required: ['password'], properties: { ...userRef.properties, password: { type: 'string', maxLength: 4096 } } } } },
            token: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 8192 } } },
            application_credential: { type: 'object', required: ['secret'], properties: { id: str(64), name: str(), secret: { type: 'string', maxLength: 4096 }, user: userRef } },
          },
        },
        scope: {
          anyOf: [
            { type: 'string', enum: ['unscoped'] },
            { type: 'object', properties: { project: scopeRef, domain: { type: 'object', properties: { id: str(64), name: str() } }, system: { type: 'object', properties: { all: bool } } } },
          ],
        },
      },
    },
  },
};
