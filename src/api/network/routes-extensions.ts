import { AVAILABILITY_ZONE } from '../../services/network/deps.ts';
import { sendNeutronError } from './plugin.ts';
import type { NetworkApi } from './crud.ts';
import { listBody } from './list.ts';
import type { Query } from '../query.ts';

/** Only what is really implemented: tempest and SDKs switch features on by these aliases. */
const EXTENSIONS: [alias: string, name: string, description: string][] = [
  ['external-net', 'Neutron external network', 'Adds external network attribute to network resource.'],
  ['router', 'Neutron L3 Router', 'Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.'],
  ['ext-gw-mode', 'Neutron L3 Configurable external gateway mode', 'Extension of the router abstraction for specifying whether SNAT should occur on the external gateway'],
  ['extraroute', 'Neutron Extra Route', 'Extra routes configuration for L3 router'],
  ['extraroute-atomic', 'Atomically add/remove extra routes', 'Edit extra routes of a router on server side by atomically adding/removing extra routes'],
  ['security-group', 'security-group', 'The security groups extension.'],
  ['stateful-security-group', 'Stateful security group', 'Indicates if the security group is stateful or not'],
  ['security-groups-default-rules', 'Default rules for security groups', 'Configure set of security group rules used in newly created security groups'],
  ['security-groups-normalized-cidr', 'Normalized CIDR field for security group rules', 'Add new field with normalized remote_ip_prefix cidr in SG rule'],
  ['security-groups-rules-belongs-to-default-sg', 'Security group rule belongs to the project\'s default security group', 'Flag to determine if the security group rule belongs to the project\'s default security group'],
  ['port-security', 'Port Security', 'Provides port security'],
  ['allowed-address-pairs', 'Allowed Address Pairs', 'Provides allowed address pairs'],
  ['binding', 'Port Binding', 'Expose port bindings of a virtual port to external application'],
  ['quotas', 'Quota management support', 'Expose functions for quotas management per project'],
  ['quota_details', 'Quota details management support', 'Expose functions for quotas usage statistics per project'],
  ['standard-attr-description', 'standard-attr-description', 'Extension to add descriptions to standard attributes'],
  ['standard-attr-revisions', 'Resource revision numbers', 'This extension will display the revision number of neutron resources.'],
  ['standard-attr-timestamp', 'Resource timestamps', 'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.'],
  ['standard-attr-tag', 'Tag support for resources with standard attribute: subnet, trunk, network_segment_range, router, network, policy, subnetpool, port, security_group, floatingip', 'Enables to set tag on resources with standard attribute.'],
  ['project-id', 'project_id field enabled', 'Extension that indicates that project_id field is enabled.'],
  ['net-mtu', 'Network MTU', 'Provides MTU attribute for a network resource.'],
  ['net-mtu-writable', 'Network MTU (writable)', 'Provides a writable MTU attribute for a network resource.'],
  ['availability_zone', 'Availability Zone', 'The availability zone extension.'],
  ['network_availability_zone', 'Network Availability Zone', 'Availability zone support for network.'],
  ['router_availability_zone', 'Router Availability Zone', 'Availability zone support for router.'],
  ['sorting', 'Sorting support', 'Enables sorting support.'],
  ['pagination', 'Pagination support', 'Enables pagination support.'],
  ['fip-port-details', 'Floating IP Port Details Extension', 'Add port_details attribute to Floating IP resource'],
  ['subnet-service-types', 'Subnet service types', 'Provides ability to set the subnet service_types field'],
  ['subnet_allocation', 'Subnet Allocation', 'Enables allocation of subnets from a subnet pool'],
  ['default-subnetpools', 'Default Subnetpools', 'Provides ability to mark and use a subnetpool as the default.'],
  ['tag', 'Tag support', 'Enables to set tag on resources.'],
  ['service-type', 'Neutron Service Type Management', 'API for retrieving service providers for Neutron advanced services'],
  ['ip-substring-filtering', 'IP address substring filtering', 'Provides IP address substring filtering when listing ports'],
];

const view = ([alias, name, description]: (typeof EXTENSIONS)[number]) => ({ alias, name, description, updated: '2023-01-01T00:00:00-00:00', links: [] });

export function extensionRoutes({ app, auth, url }: NetworkApi): void {
  app.get('/v2.0/extensions', async (req) => {
    auth(req);
    return { extensions: EXTENSIONS.map(view) };
  });
  app.get<{ Params: { alias: string } }>('/v2.0/extensions/:alias', async (req, reply) => {
    auth(req);
    const ext = EXTENSIONS.find((e) => e[0] === req.params.alias);
    if (!ext) return sendNeutronError(reply, 404, `Extension with alias ${req.params.alias} does not exist`);
    return { extension: view(ext) };
  });
  // No agents and no advanced service providers: both lists are empty, as Neutron shows them to members.
  app.get('/v2.0/agents', async (req) => {
    auth(req);
    return { agents: [] };
  });
  app.get('/v2.0/service-providers', async (req) => {
    auth(req);
    return { service_providers: [] };
  });
  app.get<{ Querystring: Query }>('/v2.0/availability_zones', async (req) => {
    auth(req);
    const zones = ['network', 'router'].map((resource) => ({ id: `${AVAILABILITY_ZONE}-${resource}`, name: AVAILABILITY_ZONE, resource, state: 'available' }));
    const body = listBody('availability_zones', zones, req.query, url(req));
    return { availability_zones: (body.availability_zones as Record<string, unknown>[]).map(({ id: _, ...z }) => z) };
  });
}
