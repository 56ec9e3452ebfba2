import { useState } from 'react';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Field, useAction } from '../ui.tsx';
import { neutron, type Network } from './network-common.tsx';

interface SubnetDraft {
  name: string;
  cidr: string;
  gateway: string;
  noGateway: boolean;
  dhcp: boolean;
  dns: string;
}

function subnetBody(networkId: string, s: SubnetDraft): Record<string, unknown> {
  const body: Record<string, unknown> = {
    network_id: networkId,
    name: s.name,
    cidr: s.cidr.trim(),
    ip_version: s.cidr.includes(':') ? 6 : 4,
    enable_dhcp: s.dhcp,
    dns_nameservers: s.dns.split(/[\s,]+/).filter(Boolean),
  };
  // Left empty, Neutron picks the first address; null means the subnet has no gateway at all.
  if (s.noGateway) body.gateway_ip = null;
  else if (s.gateway.trim()) body.gateway_ip = s.gateway.trim();
  return { subnet: body };
}

/**
 * Creates a network with its first subnet, or (given `network`) adds a subnet to it.
 * A new network whose subnet is refused is removed again, so a typo in the CIDR leaves nothing behind.
 */
export function SubnetForm({ network, onClose, onDone }: { network?: Network; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const session = useSession();
  const action = useAction();
  const [netName, setNetName] = useState('');
  const [s, setS] = useState<SubnetDraft>({ name: '', cidr: '192.168.10.0/24', gateway: '', noGateway: false, dhcp: true, dns: '' });
  const set = (patch: Partial<SubnetDraft>) => setS({ ...s, ...patch });
  const submit = async () => {
    const ok = await action.run(async () => {
      if (network) return neutron(session, '/subnets', { method: 'POST', body: subnetBody(network.id, s) });
      const made = (await neutron<{ network: Network }>(session, '/networks', { method: 'POST', body: { network: { name: netName } } })).network;
      try {
        await neutron(session, '/subnets', { method: 'POST', body: subnetBody(made.id, { ...s, name: s.name || `${netName}-subnet` }) });
      } catch (err) {
        await neutron(session, `/networks/${made.id}`, { method: 'DELETE' }).catch(() => undefined);
        throw err;
      }
    });
    if (ok) onDone();
  };
  return (
    <form className="form" onSubmit={(e) => { e.preventDefault(); void submit(); }} data-testid={network ? 'subnet-form' : 'network-create-form'}>
      <b>{network ? t('Add subnet to {name}', { name: network.name }) : t('Create network')}</b>
      <div className="row">
        {!network && <Field label={t('Network name')}><input required value={netName} onChange={(e) => setNetName(e.target.value)} data-testid="network-name" /></Field>}
        <Field label={t('Subnet name')}><input value={s.name} onChange={(e) => set({ name: e.target.value })} data-testid="subnet-name" /></Field>
        <Field label="CIDR"><input required value={s.cidr} onChange={(e) => set({ cidr: e.target.value })} data-testid="subnet-cidr" /></Field>
      </div>
      <div className="row">
        <Field label={t('Gateway IP (empty: automatic)')}>
          <input value={s.gateway} disabled={s.noGateway} onChange={(e) => set({ gateway: e.target.value })} data-testid="subnet-gateway" />
        </Field>
        <label className="check"><input type="checkbox" checked={s.noGateway} onChange={(e) => set({ noGateway: e.target.checked })} data-testid="subnet-no-gateway" /> {t('No gateway')}</label>
        <label className="check"><input type="checkbox" checked={s.dhcp} onChange={(e) => set({ dhcp: e.target.checked })} data-testid="subnet-dhcp" /> {t('DHCP')}</label>
      </div>
      <Field label={t('DNS servers (comma separated)')}><input value={s.dns} onChange={(e) => set({ dns: e.target.value })} data-testid="subnet-dns" /></Field>
      <ErrorNote message={action.error} />
      <div className="row">
        <button className="primary" disabled={action.busy} data-testid={network ? 'subnet-submit' : 'network-create-submit'}>{t('Create')}</button>
        <button type="button" onClick={onClose}>{t('Cancel')}</button>
      </div>
    </form>
  );
}
