import type { ComponentType } from 'react';
import { ApiAccess } from './pages/api-access.tsx';
import { Buckets } from './pages/buckets.tsx';
import { Credentials } from './pages/credentials.tsx';
import { DomainAdmin } from './pages/domain-admin.tsx';
import { FloatingIps } from './pages/floating-ips.tsx';
import { Flavors } from './pages/flavors.tsx';
import { Images } from './pages/images.tsx';
import { Instances } from './pages/instances.tsx';
import { KeyPairs } from './pages/keypairs.tsx';
import { Launch } from './pages/launch.tsx';
import { Networks } from './pages/networks.tsx';
import { Overview } from './pages/overview.tsx';
import { Routers } from './pages/routers.tsx';
import { SecurityGroups } from './pages/security-groups.tsx';
import { Volumes } from './pages/volumes.tsx';

export interface Route {
  path: string;
  /** English title; the navigation translates it. */
  title: string;
  section: string;
  page: ComponentType<{ params: URLSearchParams }>;
  /** Roles of which the user needs one to see the screen at all. */
  roles?: string[];
  /** Reached from another screen, not listed in the navigation. */
  hidden?: boolean;
}

export const routes: Route[] = [
  { path: 'overview', title: 'Overview', section: 'Overview', page: Overview },
  { path: 'instances', title: 'Instances', section: 'Compute', page: Instances },
  { path: 'launch', title: 'Launch instance', section: 'Compute', page: Launch, hidden: true },
  { path: 'keypairs', title: 'Key pairs', section: 'Compute', page: KeyPairs },
  { path: 'images', title: 'Images', section: 'Compute', page: Images },
  { path: 'flavors', title: 'Flavors', section: 'Compute', page: Flavors },
  { path: 'volumes', title: 'Volumes', section: 'Volumes', page: Volumes },
  { path: 'networks', title: 'Networks', section: 'Network', page: Networks },
  { path: 'routers', title: 'Routers', section: 'Network', page: Routers },
  { path: 'floating-ips', title: 'Floating IPs', section: 'Network', page: FloatingIps },
  { path: 'security-groups', title: 'Security groups', section: 'Network', page: SecurityGroups },
  { path: 'buckets', title: 'Buckets', section: 'Object storage', page: Buckets },
  { path: 'credentials', title: 'Application credentials', section: 'Identity', page: Credentials },
  { path: 'domain', title: 'Users and projects', section: 'Identity', page: DomainAdmin, roles: ['manager', 'admin'] },
  { path: 'api-access', title: 'API access', section: 'API access', page: ApiAccess },
];
