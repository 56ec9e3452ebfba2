import { useI18n } from '../i18n.tsx';
import { label, type Network, type Port, type Router, type Server, type Subnet } from './network-common.tsx';

export interface TopologyData {
  networks: Network[];
  subnets: Subnet[];
  routers: Router[];
  ports: Port[];
  servers: Server[];
}

const BAR = 26;
const BOX_W = 120;
const BOX_H = 36;
const GAP = 48;

/** Evenly across the width: the centre of item `i` of `n`. */
const spread = (i: number, n: number, width: number) => ((i + 0.5) * width) / n;

/**
 * Networks are horizontal bars (external ones on top), routers sit between the external and the
 * inner networks, instances below. A vertical line runs from each router or instance across the
 * bars; a dot marks each network it really has a port on.
 */
export function Topology({ data }: { data: TopologyData }) {
  const { t } = useI18n();
  const external = data.networks.filter((n) => n['router:external']);
  const inner = data.networks.filter((n) => !n['router:external']);
  const width = Math.max(640, (Math.max(data.routers.length, data.servers.length) + 1) * (BOX_W + 24));
  const barY = new Map<string, number>();
  external.forEach((n, i) => barY.set(n.id, 8 + i * (BAR + 10)));
  const routerY = 8 + external.length * (BAR + 10) + GAP / 2;
  const innerTop = routerY + BOX_H + GAP;
  inner.forEach((n, i) => barY.set(n.id, innerTop + i * (BAR + 14)));
  const serverY = innerTop + inner.length * (BAR + 14) + GAP / 2;
  const height = serverY + (data.servers.length ? BOX_H + 8 : 0);

  const attached = (deviceId: string, owner: (o: string) => boolean) =>
    [...new Set(data.ports.filter((p) => p.device_id === deviceId && owner(p.device_owner)).map((p) => p.network_id))].filter((id) => barY.has(id));
  const cidrs = (n: Network) => data.subnets.filter((s) => s.network_id === n.id).map((s) => s.cidr).join(', ');

  /** A line from a box edge at `fromY` to the farthest bar it reaches, with a dot on each. */
  const links = (x: number, fromY: number, nets: string[], key: string) => {
    if (nets.length === 0) return null;
    const ys = nets.map((id) => barY.get(id)! + BAR / 2);
    const far = fromY < Math.min(...ys) ? Math.max(...ys) : Math.min(...ys);
    return (
      <g key={key} className="topo-link">
        <line x1={x} y1={fromY} x2={x} y2={far} />
        {ys.map((y) => <circle key={y} cx={x} cy={y} r={4} />)}
      </g>
    );
  };

  return (
    <div className="topology-wrap">
      <svg className="topology" data-testid="topology" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={t('Network topology')}>
        {[...external, ...inner].map((n) => (
          <g key={n.id} className={n['router:external'] ? 'topo-net external' : 'topo-net'} data-testid={`topo-net-${n.name}`}>
            <rect x={8} y={barY.get(n.id)} width={width - 16} height={BAR} rx={4} />
            <text x={16} y={barY.get(n.id)! + BAR / 2 + 5}>{label(n)} {cidrs(n)}{n['router:external'] ? ` · ${t('external')}` : ''}</text>
          </g>
        ))}
        {data.routers.map((r, i) => {
          const x = spread(i, data.routers.length, width);
          const gw = r.external_gateway_info?.network_id;
          return (
            <g key={r.id}>
              {gw && barY.has(gw) && links(x, routerY, [gw], 'up')}
              {links(x, routerY + BOX_H, attached(r.id, (o) => o === 'network:router_interface'), 'down')}
            </g>
          );
        })}
        {data.servers.map((s, i) => links(spread(i, data.servers.length, width), serverY, attached(s.id, (o) => o.startsWith('compute:')), s.id))}
        {data.routers.map((r, i) => (
          <g key={r.id} className="topo-box router" data-testid={`topo-router-${r.name}`}>
            <rect x={spread(i, data.routers.length, width) - BOX_W / 2} y={routerY} width={BOX_W} height={BOX_H} rx={18} />
            <text x={spread(i, data.routers.length, width)} y={routerY + BOX_H / 2 + 5} textAnchor="middle">{label(r)}</text>
          </g>
        ))}
        {data.servers.map((s, i) => (
          <g key={s.id} className={`topo-box server ${s.status.toLowerCase()}`} data-testid={`topo-server-${s.name}`}>
            <rect x={spread(i, data.servers.length, width) - BOX_W / 2} y={serverY} width={BOX_W} height={BOX_H} rx={4} />
            <text x={spread(i, data.servers.length, width)} y={serverY + BOX_H / 2 + 5} textAnchor="middle">{label(s)}</text>
          </g>
        ))}
      </svg>
    </div>
  );
}
