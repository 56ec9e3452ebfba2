import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { api, launchCloud, login, waitForGone, type Cloud, type Session } from './cloud.ts';
import { formatTable, median, timed } from './tools.ts';
import { run as runCommand } from '../test/e2e/guest.ts';
import { ensureTinyImage } from '../src/cli/guest-image.ts';
import { commandLine, slottedDevices } from '../src/drivers/compute/qemu/command-line.ts';
import { buildConfigDrive } from '../src/drivers/compute/qemu/config-drive.ts';
import { assignSlots } from '../src/drivers/compute/qemu/devices.ts';
import { InstanceFiles } from '../src/drivers/compute/qemu/files.ts';
import { findQemu, launch, removeRunFiles, terminate } from '../src/drivers/compute/qemu/process.ts';
import { createOverlay } from '../src/drivers/compute/qemu/root-disk.ts';
import { ensureTap, removeTap } from '../src/drivers/compute/qemu/taps.ts';
import { Lab } from '../src/drivers/compute/qemu/test-lab.ts';
import type { InstanceSpec } from '../src/services/compute/driver.ts';
import { configDriveFiles } from '../src/services/compute/metadata.ts';

const ROUNDS = 3;
const FLAVOR = 'SCS-1L-1';
const IMAGE = 'sovcloud-tiny';
const SUBNET_PREFIX = '10.97.0';
const SUBNET_CIDR = `${SUBNET_PREFIX}.0/24`;
/** TCG boots the tiny image in some 20 s on an idle host; a busy one takes several times that. */
const BOOT_TIMEOUT_MS = 300_000;
const BARE_MAC = 'fa:16:3e:00:be:01';
const BARE_IP = '10.99.0.10';

/**
 * Server create to SSH answering on a floating IP, against the same image booted by a bare
 * `qemu-system-x86_64` with the driver's own command line (same flags, same kind of config drive
 * with the same key, a tap on a bridge in namespaces of our own with dnsmasq handing out the
 * address), measured in the same run and interleaved with it: the ratio is the control plane's
 * overhead (API, scheduling, image copy, ports, firewall, router NAT) on top of the guest's boot.
 */
export async function run(): Promise<void> {
  const cloud = await launchCloud();
  let lab: Lab | undefined;
  try {
    const s = await login(cloud);
    lab = await Lab.create();
    const ctx = await prepare(cloud, s, lab);
    lab.startDhcp({ [BARE_MAC]: BARE_IP });
    const cloudTimes: number[] = [];
    const bareTimes: number[] = [];
    const prepTimes: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate which goes first, so neither always runs on the warmer page cache.
      const bare = async () => {
        const r = await bareRound(ctx, lab!, i);
        bareTimes.push(r.bootMs);
        prepTimes.push(r.prepMs);
      };
      const sov = async () => cloudTimes.push(await cloudRound(cloud, s, ctx, i));
      if (i % 2 === 0) {
        await bare();
        await sov();
      } else {
        await sov();
        await bare();
      }
    }
    const [c, b] = [median(cloudTimes), median(bareTimes)];
    const secs = (v: number[]) => v.map((x) => (x / 1000).toFixed(1)).join(', ');
    console.log(`\ncompute: server create to SSH answering, ${FLAVOR} with ${IMAGE}, accelerator ${ctx.accelerator.toUpperCase()}`);
    console.log(formatTable(['measure', 'sovcloud', 'bare qemu', 'ratio'], [
      ['create-to-ssh s (median)', (c / 1000).toFixed(1), (b / 1000).toFixed(1), `${(c / b).toFixed(2)}x`],
    ]));
    console.log(`rounds (s): sovcloud ${secs(cloudTimes)}; bare qemu ${secs(bareTimes)} ` +
      `(bare qemu clock starts at QEMU's launch; its overlay, config drive and tap took ${median(prepTimes).toFixed(0)} ms more, median)`);
  } finally {
    await lab?.cleanup();
    await timed('node', ['--import', 'tsx', 'src/cli/main.ts', 'purge', '--state-dir', cloud.stateDir]);
    console.log(`sovcloud stopped: ${await cloud.close()}`);
  }
}

interface Context {
  accelerator: 'kvm' | 'tcg';
  keyFile: string;
  keyName: string;
  publicKey: string;
  imageId: string;
  /** The bare side's copy of the cached image, so a rebuild of the cache cannot pull it away mid-run. */
  imagePath: string;
  flavorId: string;
  memoryMiB: number;
  vcpus: number;
  networkId: string;
  mtu: number;
  publicId: string;
  group: string;
}

/** The admin project's keypair, network behind a router on `public`, and a group opening SSH. */
async function prepare(cloud: Cloud, s: Session, lab: Lab): Promise<Context> {
  const keyName = 'bench-compute';
  const kp = (await api<{ keypair: { private_key?: string; public_key: string } }>(cloud, s, 'POST', '/compute/v2.1/os-keypairs', { keypair: { name: keyName } }, [200, 201])).keypair;
  if (!kp.private_key) throw new Error('keypair create returned no private_key');
  const keyFile = join(lab.dir, 'bench-key');
  await writeFile(keyFile, kp.private_key, { mode: 0o600 });

  const image = (await api<{ images: { id: string; status: string }[] }>(cloud, s, 'GET', `/image/v2/images?name=${IMAGE}`)).images[0];
  if (image?.status !== 'active') throw new Error(`image ${IMAGE} is not active in the cloud: ${JSON.stringify(image)}`);
  const cached = await ensureTinyImage(process.env.SOVCLOUD_CACHE_DIR ?? join(homedir(), '.cache', 'sovcloud', 'images'));
  const imagePath = join(lab.dir, `${IMAGE}.qcow2`);
  await copyFile(cached.qcow2, imagePath);

  const flavors = (await api<{ flavors: { id: string; name: string; ram: number; vcpus: number }[] }>(cloud, s, 'GET', '/compute/v2.1/flavors/detail')).flavors;
  const flavor = flavors.find((f) => f.name === FLAVOR);
  if (!flavor) throw new Error(`no flavor ${FLAVOR}`);

  const hv = (await api<{ hypervisors: { cpu_info: unknown }[] }>(cloud, s, 'GET', '/compute/v2.1/os-hypervisors/detail')).hypervisors[0];
  const cpuInfo = (typeof hv?.cpu_info === 'string' ? JSON.parse(hv.cpu_info) : hv?.cpu_info) as { accelerator?: string } | undefined;
  const accelerator = cpuInfo?.accelerator;
  if (accelerator !== 'kvm' && accelerator !== 'tcg') throw new Error(`the hypervisor did not say its accelerator: ${JSON.stringify(hv)}`);

  const pub = (await api<{ networks: { id: string }[] }>(cloud, s, 'GET', '/network/v2.0/networks?name=public')).networks[0];
  if (!pub) throw new Error('no network public');
  const net = (await api<{ network: { id: string; mtu: number } }>(cloud, s, 'POST', '/network/v2.0/networks', { network: { name: 'bench-compute' } }, [201])).network;
  const subnet = (await api<{ subnet: { id: string } }>(cloud, s, 'POST', '/network/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: SUBNET_CIDR } }, [201])).subnet;
  const router = (await api<{ router: { id: string } }>(cloud, s, 'POST', '/network/v2.0/routers', { router: { name: 'bench-compute', external_gateway_info: { network_id: pub.id } } }, [201])).router;
  await api(cloud, s, 'PUT', `/network/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id });
  const group = 'bench-ssh';
  const sg = (await api<{ security_group: { id: string } }>(cloud, s, 'POST', '/network/v2.0/security-groups', { security_group: { name: group } }, [201])).security_group;
  await api(cloud, s, 'POST', '/network/v2.0/security-group-rules', {
    security_group_rule: { security_group_id: sg.id, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' },
  }, [201]);

  return {
    accelerator, keyFile, keyName, publicKey: kp.public_key, imageId: image.id, imagePath, flavorId: flavor.id, memoryMiB: flavor.ram, vcpus: flavor.vcpus,
    networkId: net.id, mtu: net.mtu, publicId: pub.id, group,
  };
}

/**
 * Polls `ssh ... true` (through `prefix`, e.g. `ip netns exec NS`) until it succeeds. A guest
 * whose address is up but whose sshd is not yet listening refuses at once; retry soon then.
 */
async function sshUntil(prefix: string[], keyFile: string, ip: string, alive: () => Promise<void>): Promise<void> {
  const deadline = performance.now() + BOOT_TIMEOUT_MS;
  const args = ['ssh', '-i', keyFile, '-o', 'ConnectTimeout=2', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', `sovcloud@${ip}`, 'true'];
  for (;;) {
    const [cmd, ...rest] = [...prefix, ...args];
    const r = await runCommand(cmd!, rest, 20_000);
    if (r.code === 0) return;
    await alive();
    if (performance.now() > deadline) throw new Error(`no SSH on ${ip} within ${BOOT_TIMEOUT_MS} ms: ${r.stderr.trim()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One server from POST to SSH on its floating IP; deleted (and gone) afterwards. */
async function cloudRound(cloud: Cloud, s: Session, ctx: Context, round: number): Promise<number> {
  const t0 = performance.now();
  const server = (await api<{ server: { id: string } }>(cloud, s, 'POST', '/compute/v2.1/servers', {
    server: {
      // A fresh address per round: a new port on the address of a just deleted one (a new MAC)
      // gets no DHCP answer, as dnsmasq still holds the old port's lease (no dhcp_release).
      name: `bench-vm-${round}`, flavorRef: ctx.flavorId, imageRef: ctx.imageId, networks: [{ uuid: ctx.networkId, fixed_ip: `${SUBNET_PREFIX}.${10 + round}` }],
      security_groups: [{ name: ctx.group }], key_name: ctx.keyName,
      // The bare side's guest reads the same kind of drive; without one the guest first looks for
      // a drive for 3 s and then asks the metadata service, a guest-side difference, not overhead.
      config_drive: true,
    },
  }, [202])).server;
  const path = `/compute/v2.1/servers/${server.id}`;
  const alive = async () => {
    const got = (await api<{ server: { status: string; fault?: unknown } }>(cloud, s, 'GET', path)).server;
    if (got.status === 'ERROR') throw new Error(`server ${server.id} went to ERROR: ${JSON.stringify(got.fault)}`);
  };
  let fipId: string | undefined;
  try {
    let portId: string | undefined;
    while (!portId) {
      portId = (await api<{ ports: { id: string }[] }>(cloud, s, 'GET', `/network/v2.0/ports?device_id=${server.id}`)).ports[0]?.id;
      if (!portId) {
        await alive();
        if (performance.now() - t0 > BOOT_TIMEOUT_MS) throw new Error(`server ${server.id} got no port`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const fip = (await api<{ floatingip: { id: string; floating_ip_address: string } }>(cloud, s, 'POST', '/network/v2.0/floatingips',
      { floatingip: { floating_network_id: ctx.publicId, port_id: portId } }, [201])).floatingip;
    fipId = fip.id;
    try {
      await sshUntil([], ctx.keyFile, fip.floating_ip_address, alive);
    } catch (err) {
      const route = (await runCommand('ip', ['route', 'get', fip.floating_ip_address])).stdout.trim();
      const log = await api<{ output: string }>(cloud, s, 'POST', `${path}/action`, { 'os-getConsoleOutput': { length: 40 } }).then((r) => r.output, (e: unknown) => String(e));
      throw new Error(`${err instanceof Error ? err.message : String(err)}\nhost route: ${route}\nconsole:\n${log}`);
    }
    return performance.now() - t0;
  } finally {
    await api(cloud, s, 'DELETE', path, undefined, [204]);
    await waitForGone(cloud, s, path, 120_000);
    if (fipId) await api(cloud, s, 'DELETE', `/network/v2.0/floatingips/${fipId}`, undefined, [204]);
  }
}

/**
 * One bare boot: the driver's own command line for a spec like the server's (same vCPUs, memory,
 * image, a config drive as the cloud writes it with the same key) on a tap in the lab's bridge,
 * launched as the driver launches it, and timed from launch to SSH from the lab's client.
 */
async function bareRound(ctx: Context, lab: Lab, round: number): Promise<{ bootMs: number; prepMs: number }> {
  const id = randomUUID();
  const portId = randomUUID();
  const nic = { ...lab.nic(portId, BARE_MAC), mtu: ctx.mtu };
  const row = {
    id, name: `bare-vm-${round}`, hostname: `bare-vm-${round}`, project_id: 'bench', availability_zone: 'nova', launch_index: 0,
    key_name: ctx.keyName, key_data: ctx.publicKey, user_data: null, metadata: '{}', reservation_id: `r-bench${round}`, image_id: ctx.imageId,
  };
  const networkData = {
    links: [{ id: nic.device, vif_id: portId, type: 'bridge', ethernet_mac_address: nic.mac, mtu: nic.mtu }],
    networks: [{ id: 'network0', link: nic.device, network_id: 'bench', type: 'ipv4_dhcp' }], services: [],
  };
  // The flavor has no disk: the cloud gives the root disk the image's size (1 GiB), as here.
  const root = { kind: 'image' as const, imageId: ctx.imageId, imagePath: ctx.imagePath, imageFormat: 'qcow2', sizeGiB: 1 };
  const configDrive = configDriveFiles(row, networkData);
  const spec: InstanceSpec = { id, name: row.name, vcpus: ctx.vcpus, memoryMiB: ctx.memoryMiB, root, volumes: [], nics: [nic], configDrive };
  const files = new InstanceFiles(join(lab.dir, 'instances'), join(lab.dir, 'run'), id);
  try {
    const p0 = performance.now();
    await mkdir(files.dir, { recursive: true, mode: 0o700 });
    await mkdir(join(lab.dir, 'run'), { recursive: true, mode: 0o700 });
    await createOverlay(files.disk, root);
    await buildConfigDrive(configDrive, files.configDrive);
    await ensureTap(nic);
    const plan = commandLine({ spec, files, accelerator: ctx.accelerator, slots: assignSlots({}, slottedDevices(spec)), incoming: false });
    if (plan.argv.some((a) => a.includes('"type":"user"'))) throw new Error('refusing a user-mode (slirp) network');
    const t0 = performance.now();
    await launch(plan.argv, plan.namespace);
    await sshUntil(['ip', 'netns', 'exec', lab.cliNs], ctx.keyFile, BARE_IP, async () => {
      if ((await findQemu(files)) === null) throw new Error(`bare QEMU ${id} exited; console:\n${await runCommand('tail', ['-c', '3000', files.consoleLog]).then((r) => r.stdout)}`);
    });
    return { bootMs: performance.now() - t0, prepMs: t0 - p0 };
  } finally {
    const pid = await findQemu(files);
    if (pid !== null) await terminate(pid, 10_000);
    await removeRunFiles(files);
    await removeTap(nic.namespace, nic.device);
    await rm(files.dir, { recursive: true, force: true });
  }
}
