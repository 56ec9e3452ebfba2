/** Neutron's DNS name for a port without `dns_name`: `host-10-0-0-5`. */
export function hostname(port: { dns_name: string }, ipAddress: string): string {
  return port.dns_name !== '' ? port.dns_name : `host-${ipAddress.replaceAll(/[.:]/g, '-')}`;
}
