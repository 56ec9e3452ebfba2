import { createHash } from 'node:crypto';
import type { Server } from '../../services/compute/server-model.ts';
import { atLeast, type Version } from '../microversion.ts';

/** Self and bookmark links as Nova renders them. */
export function links(base: string, kind: string, id: string): { rel: string; href: string }[] {
  return [{ rel: 'self', href: `${base}/${kind}/${id}` }, { rel: 'bookmark', href: `${base.replace(/\/v2\.1$/, '')}/${kind}/${id}` }];
}

/** Nova's `hostId`: a per-project hash of the host, so projects cannot map each other's servers. */
function hostId(s: Server): string {
  return s.row.host ? createHash('sha224').update(s.row.project_id + s.row.host).digest('hex') : '';
}

function addresses(s: Server): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const a of s.addresses) {
    (out[a.networkName] ??= []).push({ version: a.version, addr: a.addr, 'OS-EXT-IPS:type': a.type, 'OS-EXT-IPS-MAC:mac_addr': a.mac });
  }
  return out;
}

export function serverSummary(base: string, s: Server): Record<string, unknown> {
  return { id: s.row.id, name: s.row.name, links: links(base, 'servers', s.row.id) };
}

/** The full server as `GET /servers/{id}` shows it at microversion `v`; admins see the extended attributes. */
export function serverView(base: string, s: Server, v: Version, admin: boolean): Record<string, unknown> {
  const r = s.row;
  const flavor = atLeast(v, '2.47')
    ? { vcpus: s.flavor.vcpus, ram: s.flavor.ram, disk: s.flavor.disk, ephemeral: s.flavor.ephemeral, swap: s.flavor.swap, original_name: s.flavor.original_name, extra_specs: s.flavor.extra_specs }
    : { id: s.flavor.id, links: [{ rel: 'bookmark', href: `${base.replace(/\/v2\.1$/, '')}/flavors/${s.flavor.id}` }] };
  const view: Record<string, unknown> = {
    id: r.id, name: r.name, status: s.status, tenant_id: r.project_id, user_id: r.user_id, metadata: JSON.parse(r.metadata),
    hostId: hostId(s), image: r.image_id === '' ? '' : { id: r.image_id, links: [{ rel: 'bookmark', href: `${base.replace(/\/v2\.1$/, '')}/images/${r.image_id}` }] },
    flavor, created: r.created_at, updated: r.updated_at, addresses: addresses(s), accessIPv4: r.access_ip_v4 ?? '', accessIPv6: r.access_ip_v6 ?? '',
    links: links(base, 'servers', r.id), 'OS-DCF:diskConfig': 'MANUAL', progress: s.status === 'BUILD' ? 0 : undefined,
    'OS-EXT-AZ:availability_zone': r.availability_zone, config_drive: r.config_drive === 1 ? 'True' : '', key_name: r.key_name,
    'OS-SRV-USG:launched_at': r.launched_at ? r.launched_at.replace(/Z$/, '.000000') : null, 'OS-SRV-USG:terminated_at': null,
    'OS-EXT-STS:task_state': r.task_state, 'OS-EXT-STS:vm_state': r.vm_state, 'OS-EXT-STS:power_state': r.power_state,
    'os-extended-volumes:volumes_attached': s.volumes.map((vol) => (atLeast(v, '2.3') ? vol : { id: vol.id })),
    security_groups: s.securityGroups.map((name) => ({ name })),
  };
  if (view.progress === undefined) delete view.progress;
  if (s.fault && (r.vm_state === 'error' || r.vm_state === 'deleted')) {
    view.fault = { code: s.fault.code, created: s.fault.created, message: s.fault.message, ...(admin ? { details: s.fault.details } : {}) };
  }
  if (admin) {
    Object.assign(view, {
      'OS-EXT-SRV-ATTR:host': r.host, 'OS-EXT-SRV-ATTR:instance_name': `instance-${r.id.slice(0, 8)}`, 'OS-EXT-SRV-ATTR:hypervisor_hostname': r.host,
    });
    if (atLeast(v, '2.3')) {
      Object.assign(view, {
        'OS-EXT-SRV-ATTR:reservation_id': r.reservation_id, 'OS-EXT-SRV-ATTR:launch_index': r.launch_index, 'OS-EXT-SRV-ATTR:hostname': r.hostname,
        'OS-EXT-SRV-ATTR:kernel_id': '', 'OS-EXT-SRV-ATTR:ramdisk_id': '', 'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda', 'OS-EXT-SRV-ATTR:user_data': r.user_data,
      });
    }
  }
  if (atLeast(v, '2.9')) view.locked = r.locked_by !== null;
  if (atLeast(v, '2.16') && admin) view.host_status = r.host ? 'UP' : '';
  if (atLeast(v, '2.19')) view.description = r.description;
  if (atLeast(v, '2.26')) view.tags = s.tags;
  return view;
}
