import { useState } from 'react';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Field, Table, useAction } from '../ui.tsx';
import { ConfirmButton, label, neutron } from './network-common.tsx';

export interface Rule {
  id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
}

export interface SecurityGroup {
  id: string;
  name: string;
  description: string;
  security_group_rules: Rule[];
}

interface Draft {
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string;
  min: string;
  max: string;
  remote: 'cidr' | 'group';
  cidr: string;
  group: string;
}

const BLANK: Draft = { direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', min: '', max: '', remote: 'cidr', cidr: '0.0.0.0/0', group: '' };

/** The common rules Horizon offers by name; each just fills in the form. */
const PRESETS: Record<string, Partial<Draft>> = {
  SSH: { protocol: 'tcp', min: '22', max: '22' },
  HTTP: { protocol: 'tcp', min: '80', max: '80' },
  HTTPS: { protocol: 'tcp', min: '443', max: '443' },
  ICMP: { protocol: 'icmp', min: '', max: '' },
};

export function describePorts(r: Rule): string {
  if (r.port_range_min === null) return r.protocol === 'icmp' ? '' : 'any';
  if (r.protocol === 'icmp') return `type ${r.port_range_min}${r.port_range_max === null ? '' : ` code ${r.port_range_max}`}`;
  return r.port_range_min === r.port_range_max ? String(r.port_range_min) : `${r.port_range_min}–${r.port_range_max}`;
}

/** A test id readable from what the rule does, e.g. `IPv4-ingress-tcp-22`. */
const ruleId = (r: Rule) => `${r.ethertype}-${r.direction}-${r.protocol ?? 'any'}-${r.port_range_min ?? ''}`;

function body(groupId: string, d: Draft): Record<string, unknown> {
  const num = (s: string) => (s.trim() === '' ? null : Number(s));
  const protocol = d.protocol === 'any' ? null : d.protocol;
  const ported = protocol !== null;
  return {
    security_group_id: groupId,
    direction: d.direction,
    ethertype: d.ethertype,
    protocol,
    port_range_min: ported ? num(d.min) : null,
    // One port given means just that port; ICMP keeps its code optional.
    port_range_max: ported ? num(d.max) ?? (protocol === 'icmp' ? null : num(d.min)) : null,
    ...(d.remote === 'group' ? { remote_group_id: d.group } : { remote_ip_prefix: d.cidr.trim() || null }),
  };
}

export function RuleEditor({ group, groups, onChange }: { group: SecurityGroup; groups: SecurityGroup[]; onChange: () => void }) {
  const { t } = useI18n();
  const session = useSession();
  const action = useAction();
  const [d, setD] = useState<Draft>(BLANK);
  const set = (patch: Partial<Draft>) => setD({ ...d, ...patch });
  const icmp = d.protocol === 'icmp';
  const act = (fn: () => Promise<unknown>) => action.run(fn).then((ok) => { onChange(); return ok; });
  const add = async () => {
    if (await act(() => neutron(session, '/security-group-rules', { method: 'POST', body: { security_group_rule: body(group.id, d) } }))) setD(BLANK);
  };
  const groupName = (id: string) => label(groups.find((g) => g.id === id) ?? { id, name: '' });
  return (
    <section className="rules" data-testid={`sg-rules-${group.name}`}>
      <h2>{t('Rules of {name}', { name: label(group) })}</h2>
      <form className="form wide" onSubmit={(e) => { e.preventDefault(); void add(); }} data-testid="rule-form">
        <div className="row">
          <Field label={t('Rule')}>
            <select value="" onChange={(e) => set({ ...PRESETS[e.target.value], direction: 'ingress' })} data-testid="rule-preset">
              <option value="">{t('Custom')}</option>
              {Object.keys(PRESETS).map((p) => <option key={p} value={p}>{p}</option>)}
            </select>
          </Field>
          <Field label={t('Direction')}>
            <select value={d.direction} onChange={(e) => set({ direction: e.target.value as Draft['direction'] })} data-testid="rule-direction">
              <option value="ingress">{t('Ingress')}</option>
              <option value="egress">{t('Egress')}</option>
            </select>
          </Field>
          <Field label={t('Ether type')}>
            <select value={d.ethertype} onChange={(e) => set({ ethertype: e.target.value as Draft['ethertype'], cidr: e.target.value === 'IPv6' ? '::/0' : '0.0.0.0/0' })} data-testid="rule-ethertype">
              <option>IPv4</option>
              <option>IPv6</option>
            </select>
          </Field>
          <Field label={t('Protocol')}>
            <select value={d.protocol} onChange={(e) => set({ protocol: e.target.value })} data-testid="rule-protocol">
              <option value="any">{t('Any')}</option>
              <option value="tcp">TCP</option>
              <option value="udp">UDP</option>
              <option value="icmp">ICMP</option>
            </select>
          </Field>
          {d.protocol !== 'any' && (
            <>
              <Field label={icmp ? t('ICMP type') : t('Port from')}>
                <input type="number" min={0} max={65535} value={d.min} onChange={(e) => set({ min: e.target.value })} data-testid="rule-port-min" />
              </Field>
              <Field label={icmp ? t('ICMP code') : t('Port to')}>
                <input type="number" min={0} max={65535} value={d.max} onChange={(e) => set({ max: e.target.value })} data-testid="rule-port-max" />
              </Field>
            </>
          )}
        </div>
        <div className="row">
          <Field label={t('Remote')}>
            <select value={d.remote} onChange={(e) => set({ remote: e.target.value as Draft['remote'] })} data-testid="rule-remote">
              <option value="cidr">CIDR</option>
              <option value="group">{t('Security group')}</option>
            </select>
          </Field>
          {d.remote === 'cidr'
            ? <Field label="CIDR"><input value={d.cidr} onChange={(e) => set({ cidr: e.target.value })} data-testid="rule-cidr" /></Field>
            : (
              <Field label={t('Security group')}>
                <select required value={d.group} onChange={(e) => set({ group: e.target.value })} data-testid="rule-remote-group">
                  <option value="">—</option>
                  {groups.map((g) => <option key={g.id} value={g.id}>{label(g)}</option>)}
                </select>
              </Field>
            )}
          <button className="primary" disabled={action.busy} data-testid="rule-add">{t('Add rule')}</button>
        </div>
        <ErrorNote message={action.error} />
      </form>
      <Table
        rows={group.security_group_rules}
        rowKey={(r) => r.id}
        testId="rules-table"
        columns={[
          { title: t('Direction'), cell: (r) => <span data-testid={`rule-${ruleId(r)}`}>{t(r.direction === 'ingress' ? 'Ingress' : 'Egress')}</span> },
          { title: t('Ether type'), cell: (r) => r.ethertype },
          { title: t('Protocol'), cell: (r) => r.protocol ?? t('Any') },
          { title: t('Ports'), cell: (r) => (describePorts(r) === 'any' ? t('Any') : describePorts(r)) },
          { title: t('Remote'), cell: (r) => (r.remote_group_id ? groupName(r.remote_group_id) : r.remote_ip_prefix ?? (r.ethertype === 'IPv6' ? '::/0' : '0.0.0.0/0')) },
          {
            title: t('Actions'),
            cell: (r) => <ConfirmButton label={t('Delete')} testId={`rule-delete-${ruleId(r)}`}
              onConfirm={() => void act(() => neutron(session, `/security-group-rules/${r.id}`, { method: 'DELETE' }))} />,
          },
        ]}
      />
    </section>
  );
}
