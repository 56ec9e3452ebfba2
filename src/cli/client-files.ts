import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { BootstrapUser } from '../services/identity/bootstrap.ts';

interface CloudEntry {
  auth: { auth_url: string; username: string; password: string; project_name: string; user_domain_name: string; project_domain_name: string };
  region_name: string;
  interface: string;
  identity_api_version: number;
}

function writeSecret(file: string, content: string): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, file);
}

function openrc(authUrl: string, u: BootstrapUser): string {
  return [
    `# sovcloud credentials for user ${u.name}; source this file to use the openstack CLI`,
    `export OS_AUTH_URL=${authUrl}`,
    'export OS_IDENTITY_API_VERSION=3',
    `export OS_USERNAME=${u.name}`,
    `export OS_PASSWORD='${u.password}'`,
    `export OS_PROJECT_NAME=${u.project}`,
    'export OS_USER_DOMAIN_NAME=Default',
    'export OS_PROJECT_DOMAIN_NAME=Default',
    'export OS_REGION_NAME=RegionOne',
    'export OS_INTERFACE=public',
    '',
  ].join('\n');
}

/**
 * Writes clouds.yaml and the openrc files (mode 0600) for the bootstrap users. The passwords live
 * only here: on later starts they are read back from clouds.yaml and the files rewritten with the
 * current auth URL.
 */
export function writeClientFiles(stateDir: string, authUrl: string, fresh: BootstrapUser[] | undefined): void {
  const cloudsFile = join(stateDir, 'clouds.yaml');
  let users = fresh;
  if (!users) {
    if (!existsSync(cloudsFile)) return;
    const clouds = (parse(readFileSync(cloudsFile, 'utf8')) as { clouds: Record<string, CloudEntry> }).clouds;
    users = Object.values(clouds).map((c) => ({ name: c.auth.username, project: c.auth.project_name, password: c.auth.password }));
  }
  const clouds: Record<string, CloudEntry> = {};
  for (const u of users) {
    clouds[`sovcloud-${u.name}`] = {
      auth: { auth_url: authUrl, username: u.name, password: u.password, project_name: u.project, user_domain_name: 'Default', project_domain_name: 'Default' },
      region_name: 'RegionOne',
      interface: 'public',
      identity_api_version: 3,
    };
    writeSecret(join(stateDir, `${u.name}-openrc.sh`), openrc(authUrl, u));
  }
  writeSecret(cloudsFile, stringify({ clouds }));
}
