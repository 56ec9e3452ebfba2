import { call, type CallOptions, type Session } from '../api.ts';

/** 2.47 embeds the flavor in a server; 2.61 is the newest version this cloud speaks. */
export function nova<T = any>(session: Session, path: string, o: CallOptions = {}): Promise<T> {
  return call<T>(session, 'compute', path, { ...o, headers: { 'OpenStack-API-Version': 'compute 2.61', ...o.headers } });
}

export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
}

export interface Image {
  id: string;
  name: string;
  status: string;
  size: number | null;
  visibility: string;
  owner: string;
  min_disk: number;
  min_ram: number;
  disk_format: string | null;
  [property: string]: unknown;
}

export interface Keypair {
  name: string;
  fingerprint: string;
  type: string;
  public_key: string;
}

/** Smallest first, the order a user picks a size in. */
export async function listFlavors(session: Session): Promise<Flavor[]> {
  const { flavors } = await nova<{ flavors: Flavor[] }>(session, '/flavors/detail');
  return flavors.sort((a, b) => a.vcpus - b.vcpus || a.ram - b.ram || a.disk - b.disk);
}

/** Every image the project may use: public, shared and its own. */
export async function listImages(session: Session): Promise<Image[]> {
  const { images } = await call<{ images: Image[] }>(session, 'image', '/v2/images?limit=1000&sort=name:asc');
  return images;
}

export async function listKeypairs(session: Session): Promise<Keypair[]> {
  const { keypairs } = await nova<{ keypairs: { keypair: Keypair }[] }>(session, '/os-keypairs');
  return keypairs.map((k) => k.keypair);
}

type T = (english: string, vars?: Record<string, string | number>) => string;

const CPU: Record<string, string> = {
  L: 'low-performance, oversubscribed',
  V: 'shared/oversubscribed',
  T: 'dedicated threads',
  C: 'dedicated cores',
};
const DISK: Record<string, string> = { s: 'SSD', n: 'network', h: 'local HDD', p: 'high-perf NVMe' };

/**
 * Spells out an scs-0100 flavor name, `SCS-<n><C|T|V|L>-<ram>[-<disk>[s|n|h|p]]`; later name parts
 * (CPU flags, `_` extensions) are optional and not explained. Undefined for other names.
 */
export function scsMeaning(name: string, t: T): string | undefined {
  const m = /^SCS-(\d+)([LVTC])[a-z]*-(\d+(?:\.\d+)?)[a-z]*(?:-(?:(\d+)x)?(\d+)([snhp])?)?(?:[-_].*)?$/.exec(name);
  if (!m) return undefined;
  const [, cpus, kind, ram, count, disk, diskKind] = m;
  const parts = [
    t(cpus === '1' ? '{n} vCPU ({letter} = {meaning})' : '{n} vCPUs ({letter} = {meaning})', { n: cpus!, letter: kind!, meaning: t(CPU[kind!]!) }),
    t('{n} GiB RAM', { n: ram! }),
  ];
  if (disk === undefined) parts.push(t('no root disk (boot from volume)'));
  else {
    const size = count ? `${count} × ${disk}` : disk;
    parts.push(diskKind ? t('{n} GB {kind} disk', { n: size, kind: t(DISK[diskKind]!) }) : t('{n} GB disk', { n: size }));
  }
  return parts.join(', ');
}

export function formatRam(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`;
}
