import { download, publicUrl, type Session } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { Page, Table } from '../ui.tsx';

/** Keystone's v3 URL: a signed-in session always has the identity service in its catalog. */
export function identityUrl(session: Session): string {
  return `${publicUrl(session, 'identity')!}/v3`;
}

/** The RC file Horizon offers: everything but the password, which the shell asks for. */
export function rcFile(session: Session): string {
  return [
    '#!/usr/bin/env bash',
    `# OpenStack RC file for project ${session.project.name}, from the sovcloud dashboard.`,
    `export OS_AUTH_URL=${identityUrl(session)}`,
    'export OS_IDENTITY_API_VERSION=3',
    'export OS_INTERFACE=public',
    'export OS_REGION_NAME=RegionOne',
    `export OS_PROJECT_ID=${session.project.id}`,
    `export OS_PROJECT_NAME="${session.project.name}"`,
    `export OS_PROJECT_DOMAIN_ID=${session.project.domain.id}`,
    `export OS_USERNAME="${session.user.name}"`,
    `export OS_USER_DOMAIN_NAME="${session.user.domain.name}"`,
    'unset OS_TENANT_ID OS_TENANT_NAME',
    `if [ -z "\${OS_PASSWORD:-}" ]; then echo "Please enter your OpenStack password for ${session.user.name}: " >&2; read -sr OS_PASSWORD; export OS_PASSWORD; fi`,
    '',
  ].join('\n');
}

export function cloudsYaml(session: Session): string {
  return [
    'clouds:',
    '  sovcloud:',
    '    auth:',
    `      auth_url: ${identityUrl(session)}`,
    `      username: "${session.user.name}"`,
    `      user_domain_name: "${session.user.domain.name}"`,
    `      project_id: ${session.project.id}`,
    `      project_name: "${session.project.name}"`,
    `      project_domain_id: ${session.project.domain.id}`,
    '    region_name: RegionOne',
    '    interface: public',
    '    identity_api_version: 3',
    '',
  ].join('\n');
}

export function ApiAccess() {
  const { t } = useI18n();
  const session = useSession();
  const rows = session.catalog.flatMap((c) => c.endpoints.filter((e) => e.interface === 'public').map((e) => ({ type: c.type, name: c.name, url: e.url })));
  return (
    <Page
      title={t('API access')}
      actions={<>
        <button className="primary" data-testid="download-rc" onClick={() => download(`${session.project.name}-openrc.sh`, rcFile(session), 'application/x-sh')}>{t('Download OpenStack RC file')}</button>
        <button data-testid="download-clouds" onClick={() => download('clouds.yaml', cloudsYaml(session), 'application/yaml')}>{t('Download clouds.yaml')}</button>
      </>}
    >
      <Table
        rows={rows}
        rowKey={(r) => r.type}
        filterText={(r) => `${r.type} ${r.name}`}
        columns={[
          { title: t('Service'), cell: (r) => <><b>{r.type}</b> <span className="muted">{r.name}</span></> },
          { title: t('Endpoint'), cell: (r) => <code>{r.url}</code> },
        ]}
      />
    </Page>
  );
}
