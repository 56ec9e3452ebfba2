import type { Selectable } from 'kysely';
import { json } from './deps.ts';
import type { InstanceTable } from './tables.ts';

type Row = Pick<Selectable<InstanceTable>, 'id' | 'name' | 'hostname' | 'project_id' | 'availability_zone' | 'launch_index' | 'key_name' | 'key_data' | 'user_data' | 'metadata' | 'reservation_id' | 'image_id'>;

/** OpenStack `meta_data.json` as Nova's metadata service and config drive serve it. */
export function metaData(row: Row): Record<string, unknown> {
  const keys = row.key_name && row.key_data ? [{ name: row.key_name, type: row.key_data.startsWith('-----BEGIN CERTIFICATE') ? 'x509' : 'ssh', data: row.key_data }] : [];
  return {
    uuid: row.id, name: row.name, hostname: row.hostname, launch_index: row.launch_index, availability_zone: row.availability_zone,
    project_id: row.project_id, meta: json<Record<string, string>>(row.metadata), devices: [],
    public_keys: Object.fromEntries(keys.map((k) => [k.name, k.data])), keys,
  };
}

/** The user data as the guest gets it: decoded from the base64 the API took. */
export function userData(row: Pick<Row, 'user_data'>): Buffer | null {
  return row.user_data === null ? null : Buffer.from(row.user_data, 'base64');
}

/** The OpenStack versions a metadata client may ask for; `latest` is the newest. */
const OPENSTACK_VERSIONS = ['2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15', '2016-06-30', '2016-10-06', '2017-02-22', '2018-08-27', '2020-10-14', 'latest'];

/** Files of an OpenStack config drive (label `config-2`). */
export function configDriveFiles(row: Row, networkData: Record<string, unknown>): Record<string, string> {
  const files: Record<string, string> = {};
  const ud = userData(row);
  for (const v of OPENSTACK_VERSIONS) {
    files[`openstack/${v}/meta_data.json`] = JSON.stringify(metaData(row));
    files[`openstack/${v}/network_data.json`] = JSON.stringify(networkData);
    files[`openstack/${v}/vendor_data.json`] = '{}';
    files[`openstack/${v}/vendor_data2.json`] = '{}';
    if (ud) files[`openstack/${v}/user_data`] = ud.toString('utf8');
  }
  files['ec2/latest/meta-data.json'] = JSON.stringify(ec2MetaData(row, undefined));
  if (ud) files['ec2/latest/user-data'] = ud.toString('utf8');
  return files;
}

/** The EC2-style tree (`/latest/meta-data/...`) as a nested object; `localIp` when the caller's address is known. */
export function ec2MetaData(row: Row, localIp: string | undefined): Record<string, unknown> {
  // `ami-manifest-path` is the literal `FIXME` in Nova's answer too; EC2 clients only list it.
  const tree: Record<string, unknown> = {
    'ami-id': row.image_id, 'ami-launch-index': String(row.launch_index), 'ami-manifest-path': 'FIXME', hostname: row.hostname,
    'instance-id': row.id, 'instance-type': '', 'local-hostname': row.hostname, 'public-hostname': row.hostname,
    placement: { 'availability-zone': row.availability_zone }, 'reservation-id': row.reservation_id, 'security-groups': '',
  };
  if (localIp) tree['local-ipv4'] = localIp;
  if (row.key_name && row.key_data) tree['public-keys'] = { [`0=${row.key_name}`]: { 'openssh-key': row.key_data } };
  return tree;
}

/**
 * Answers a metadata request path for a server (`/openstack/...` or the EC2 `/<version>/...`),
 * as text; undefined for paths that do not exist (404).
 */
export function metadataAnswer(row: Row, path: string, localIp: string, networkData: Record<string, unknown>): string | Buffer | undefined {
  const parts = path.split('?')[0]!.split('/').filter(Boolean);
  if (parts.length === 0) return ['1.0', '2007-01-19', '2009-04-04', 'latest'].join('\n');
  if (parts[0] === 'openstack') {
    if (parts.length === 1) return OPENSTACK_VERSIONS.join('\n');
    if (!OPENSTACK_VERSIONS.includes(parts[1]!)) return undefined;
    const file = parts.slice(2).join('/');
    if (file === '') return ['meta_data.json', 'network_data.json', 'vendor_data.json', 'vendor_data2.json', ...(row.user_data ? ['user_data'] : [])].join('\n');
    if (file === 'meta_data.json') return JSON.stringify(metaData(row));
    if (file === 'network_data.json') return JSON.stringify(networkData);
    if (file === 'vendor_data.json' || file === 'vendor_data2.json') return '{}';
    if (file === 'user_data') return userData(row) ?? undefined;
    return undefined;
  }
  const [, section, ...rest] = parts;
  if (section === undefined) return ['meta-data/', ...(row.user_data ? ['user-data'] : [])].join('\n');
  if (section === 'user-data') return userData(row) ?? undefined;
  if (section !== 'meta-data') return undefined;
  let node: unknown = ec2MetaData(row, localIp);
  for (const p of rest) {
    if (typeof node !== 'object' || node === null) return undefined;
    const obj = node as Record<string, unknown>;
    // `public-keys/0` names the entry `0=<name>`, as EC2 does.
    const key = p in obj ? p : Object.keys(obj).find((k) => k.startsWith(`${p}=`));
    if (key === undefined) return undefined;
    node = obj[key];
  }
  if (typeof node === 'object' && node !== null) {
    return Object.entries(node).map(([k, v]) => (k.includes('=') ? k : typeof v === 'object' ? `${k}/` : k)).join('\n');
  }
  return String(node);
}
