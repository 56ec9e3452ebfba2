import type { ComputeApi } from './plugin.ts';
import { flavorRoutes } from './routes-flavors.ts';
import { hostRoutes } from './routes-hosts.ts';
import { instanceActionRoutes } from './routes-instance-actions.ts';
import { keypairRoutes } from './routes-keypairs.ts';
import { limitRoutes } from './routes-limits.ts';
import { remoteConsoleRoutes } from './routes-remote-consoles.ts';
import { securityGroupRoutes } from './routes-security-groups.ts';
import { serverGroupRoutes } from './routes-server-groups.ts';
import { serverActionRoutes } from './routes-server-actions.ts';
import { serverPartRoutes } from './routes-server-parts.ts';
import { serverRoutes } from './routes-servers.ts';

export function computeRoutes(api: ComputeApi): void {
  flavorRoutes(api);
  keypairRoutes(api);
  limitRoutes(api);
  hostRoutes(api);
  serverGroupRoutes(api);
  serverRoutes(api);
  serverActionRoutes(api);
  serverPartRoutes(api);
  securityGroupRoutes(api);
  instanceActionRoutes(api);
  remoteConsoleRoutes(api);
}
