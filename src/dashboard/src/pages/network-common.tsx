import { useState } from 'react';
import { call, type CallOptions, type Session } from '../api.ts';
import { useI18n } from '../i18n.tsx';

/** Shared by the volume and network pages: Neutron calls, instance lookups, tabs and a two-step delete. */

export interface Subnet {
  id: string;
  name: string;
  network_id: string;
  cidr: string;
  ip_version: number;
  gateway_ip: string | null;
  enable_dhcp: boolean;
  dns_nameservers: string[];
}

export interface Network {
  id: string;
  name: string;
  status: string;
  shared: boolean;
  subnets: string[];
  'router:external': boolean;
  project_id: string;
}

export interface Port {
  id: string;
  name: string;
  network_id: string;
  device_id: string;
  device_owner: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
}

export interface Router {
  id: string;
  name: string;
  status: string;
  external_gateway_info: { network_id: string; external_fixed_ips?: { ip_address: string }[] } | null;
}

export interface Server {
  id: string;
  name: string;
  status: string;
}

export function neutron<T = any>(session: Session, path: string, o?: CallOptions): Promise<T> {
  return call<T>(session, 'network', `/v2.0${path}`, o);
}

export async function listServers(session: Session): Promise<Server[]> {
  return (await call<{ servers: Server[] }>(session, 'compute', '/servers/detail')).servers;
}

export async function listNetworks(session: Session): Promise<Network[]> {
  return (await neutron<{ networks: Network[] }>(session, '/networks')).networks;
}

export async function listSubnets(session: Session): Promise<Subnet[]> {
  return (await neutron<{ subnets: Subnet[] }>(session, '/subnets')).subnets;
}

export const label = (r: { id: string; name: string }) => r.name || r.id.slice(0, 8);

export function Tabs<K extends string>({ tabs, current, onChange }: { tabs: [K, string][]; current: K; onChange: (k: K) => void }) {
  return (
    <nav className="tabs" role="tablist">
      {tabs.map(([key, title]) => (
        <button key={key} role="tab" aria-selected={key === current} className={key === current ? 'active' : ''} data-testid={`tab-${key}`} onClick={() => onChange(key)}>
          {title}
        </button>
      ))}
    </nav>
  );
}

/** Deleting asks once more in place, so a slip of the mouse loses nothing and no modal dialog is needed. */
export function ConfirmButton({ label: text, testId, onConfirm, disabled }: { label: string; testId: string; onConfirm: () => void; disabled?: boolean }) {
  const { t } = useI18n();
  const [asking, setAsking] = useState(false);
  if (!asking) return <button className="danger" data-testid={testId} disabled={disabled} onClick={() => setAsking(true)}>{text}</button>;
  return (
    <span className="confirm">
      <button className="danger" data-testid={`${testId}-confirm`} onClick={() => { setAsking(false); onConfirm(); }}>{t('Confirm')}</button>
      <button onClick={() => setAsking(false)}>{t('Cancel')}</button>
    </span>
  );
}
