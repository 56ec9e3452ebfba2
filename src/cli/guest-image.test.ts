import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ensureTinyImage } from './guest-image.ts';

/**
 * Builds (or reuses) the tiny guest image and boots it under QEMU TCG on a tap in a network
 * namespace of the test's own, with dnsmasq for DHCP and a metadata server at 169.254.169.254
 * inside it: nothing reaches the host's interfaces, and QEMU's user-mode network is not used.
 * The first boot takes its key and user data from a config drive, the second (same disk) from
 * the metadata server, which also shows that writes survive a power-off.
 */
const CACHE = process.env.SOVCLOUD_CACHE_DIR ?? join(tmpdir(), 'sovcloud-image-cache');
const MAC = '52:54:00:5a:0c:01';
const GUEST_IP = '10.231.0.10';
const HOST_IP = '10.231.0.1';
const BOOT_TIMEOUT_MS = 120_000;

/** Commands the test runs, and the Debian package that brings each when missing. */
const TOOLS: Record<string, string> = {
  'qemu-system-x86_64': 'qemu-system-x86', 'qemu-img': 'qemu-utils', dnsmasq: 'dnsmasq-base',
  ssh: 'openssh-client', 'ssh-keygen': 'openssh-client', 'mkfs.vfat': 'dosfstools', mcopy: 'mtools', ip: 'iproute2',
};

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { err = (err + c.toString('utf8')).slice(-4096); });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${err.trim()}`));
    });
  });
}

const has = (tool: string) => run('sh', ['-c', 'command -v "$0"', tool]).then(() => true, () => false);

/** Why the test cannot run here, or false; installs the missing tools it can. */
async function skipReason(): Promise<string | false> {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces, taps and the image build';
  const missing = new Set<string>();
  for (const [tool, pkg] of Object.entries(TOOLS)) if (!(await has(tool))) missing.add(pkg);
  if (missing.size > 0) {
    await run('apt-get', ['update', '-qq']).catch(() => {});
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing]).catch(() => {});
  }
  const still = [];
  for (const tool of Object.keys(TOOLS)) if (!(await has(tool))) still.push(tool);
  return still.length ? `missing commands: ${still.join(', ')}` : false;
}

async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

const METADATA_SERVER = `
const http = require('node:http');
const routes = JSON.parse(process.env.ROUTES);
http.createServer((req, res) => {
  const body = routes[req.url];
  res.writeHead(body === undefined ? 404 : 200);
  res.end(body ?? '');
}).listen(80, '169.254.169.254');
`;

describe('the tiny guest image', { timeout: 600_000 }, async () => {
  const skip = await skipReason();
  const ns = `sgi${randomBytes(3).toString('hex')}`;
  const children: ChildProcess[] = [];
  let dir: string;
  let overlay: string;
  let image: Awaited<ReturnType<typeof ensureTinyImage>>;
  let publicKey: string;

  const inNs = (argv: string[], env: Record<string, string> = {}) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    child.stderr!.resume(); // drained even where nobody reads it, so a chatty child never blocks
    children.push(child);
    return child;
  };
  const ssh = (command: string) => run('ip', ['netns', 'exec', ns, 'ssh', '-i', join(dir, 'key'),
    '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=10', '-o', 'LogLevel=ERROR', `sovcloud@${GUEST_IP}`, command]);

  /** Boots the overlay (plus `drives`); resolves once the console shows the ready line. */
  async function boot(name: string, drives: string[]): Promise<{ qemu: ChildProcess; console: () => Promise<string> }> {
    const log = join(dir, `${name}.log`);
    const qemu = inNs(['qemu-system-x86_64', '-machine', 'q35', '-accel', 'tcg', '-m', '256', '-nographic',
      '-monitor', 'none', '-serial', `file:${log}`, '-drive', `file=${overlay},if=virtio,format=qcow2`,
      ...drives.flatMap((d) => ['-drive', d]),
      '-netdev', 'tap,id=n0,ifname=tap0,script=no,downscript=no', '-device', `virtio-net-pci,netdev=n0,mac=${MAC},romfile=`,
      '-device', 'virtio-rng-pci']);
    let stderr = '';
    qemu.stderr!.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    const console = () => readFile(log, 'utf8').catch(() => '');
    await eventually(`${name} to print its ready line`, BOOT_TIMEOUT_MS, async () => {
      if (qemu.exitCode !== null) throw new Error(`qemu exited early: ${stderr}`);
      return /sovcloud-guest: ready ip=\S+/.test(await console()) ? true : undefined;
    }).catch(async (e: Error) => {
      throw new Error(`${e.message}; console:\n${(await console()).slice(-3000)}`);
    });
    return { qemu, console };
  }

  async function powerOff(qemu: ChildProcess): Promise<void> {
    await ssh('sudo poweroff').catch(() => {}); // the connection may drop before ssh returns
    await Promise.race([exited(qemu), sleep(60_000, undefined, { ref: false })]);
    assert.notEqual(qemu.exitCode, null, 'the guest powers off');
  }

  before(async () => {
    if (skip) return;
    image = await ensureTinyImage(CACHE);
    dir = await mkdtemp(join(tmpdir(), 'sovcloud-guest-image-'));
    overlay = join(dir, 'disk.qcow2');
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', image.qcow2, '-F', 'qcow2', overlay]);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'guest-image-test', '-f', join(dir, 'key')]);
    publicKey = (await readFile(join(dir, 'key.pub'), 'utf8')).trim();

    await run('ip', ['netns', 'add', ns]);
    for (const args of [
      ['link', 'set', 'lo', 'up'],
      ['link', 'add', 'br0', 'type', 'bridge'],
      ['addr', 'add', `${HOST_IP}/24`, 'dev', 'br0'],
      ['addr', 'add', '169.254.169.254/32', 'dev', 'br0'],
      ['link', 'set', 'br0', 'up'],
      ['tuntap', 'add', 'dev', 'tap0', 'mode', 'tap'],
      ['link', 'set', 'tap0', 'master', 'br0', 'up'],
    ]) await run('ip', ['-n', ns, ...args]);
    inNs(['dnsmasq', '--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--port=0',
      '--user=root', '--bind-interfaces', '--interface=br0', '--except-interface=lo',
      `--dhcp-leasefile=${join(dir, 'leases')}`, `--dhcp-range=${GUEST_IP},static,255.255.255.0,1h`,
      `--dhcp-host=${MAC},${GUEST_IP}`,
      `--dhcp-option=option:classless-static-route,169.254.169.254/32,${HOST_IP},0.0.0.0/0,${HOST_IP}`]);
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await run('ip', ['netns', 'del', ns]).catch(() => {});
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is built once per recipe and then reused', { skip }, async () => {
    const before = (await stat(image.qcow2)).mtimeMs;
    const again = await ensureTinyImage(CACHE);
    assert.equal(again.qcow2, image.qcow2);
    assert.deepEqual(again.properties, image.properties);
    assert.equal((await stat(again.qcow2)).mtimeMs, before);
  });

  it('carries truthful SCS image metadata', { skip }, () => {
    const p = image.properties;
    assert.equal(p.architecture, 'x86_64');
    assert.equal(p.hw_disk_bus, 'virtio');
    assert.equal(p.min_disk, '1');
    assert.ok(Number(p.min_ram) > 0);
    assert.equal(p.os_distro, 'sovcloud-tiny');
    assert.equal(p.image_original_user, 'sovcloud');
    assert.equal(p.image_source, 'private');
    assert.match(p.image_build_date ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Date.parse(p.image_build_date!) <= Date.now());
    assert.match(p.kernel_version ?? '', /^\d+\.\d+\.\d+-\d+-amd64$/);
    for (const [key, value] of Object.entries(p)) assert.ok(value.length <= 255, `${key} fits Glance's 255 characters`);
  });

  it('boots, runs user data from a config drive and lets the key holder in over ssh', { skip }, async () => {
    const latest = join(dir, 'config-drive', 'openstack', 'latest');
    await mkdir(latest, { recursive: true });
    await writeFile(join(latest, 'meta_data.json'), JSON.stringify({
      uuid: randomUUID(), name: 'tiny-one', hostname: 'tiny-one', public_keys: { test: `${publicKey}\n` },
      meta: { hostname: 'not-this-one' },
    }));
    await writeFile(join(latest, 'user_data'), '#!/bin/sh\necho "sovcloud-user-data-marker uid=$(id -u)"\n');
    const drive = join(dir, 'config-drive.img');
    await run('mkfs.vfat', ['-C', '-n', 'config-2', drive, '1024']);
    await run('mcopy', ['-s', '-i', drive, join(dir, 'config-drive', 'openstack'), '::/']);

    const { qemu, console } = await boot('first', [`file=${drive},if=virtio,format=raw,readonly=on`]);
    const log = await console();
    assert.match(log, /sovcloud-user-data-marker uid=0/);
    assert.match(log, new RegExp(`sovcloud-guest: ready ip=${GUEST_IP.replaceAll('.', '\\.')}`));

    assert.equal(await ssh('echo hi'), 'hi\n');
    assert.equal(await ssh('hostname; sudo id -u; echo kept > persist; sync'), 'tiny-one\n0\n');
    await powerOff(qemu);
  });

  it('takes a new instance\'s metadata from 169.254.169.254 and keeps the disk\'s writes', { skip }, async () => {
    const routes = {
      '/openstack/latest/meta_data.json': JSON.stringify({ uuid: randomUUID(), name: 'tiny-two', hostname: 'tiny-two', public_keys: { test: publicKey } }),
      '/openstack/latest/user_data': '#!/bin/sh\necho "sovcloud-second-boot $(cat /home/sovcloud/persist)"\n',
    };
    inNs([process.execPath, '-e', METADATA_SERVER], { ROUTES: JSON.stringify(routes) });

    const { qemu, console } = await boot('second', []);
    assert.match(await console(), /sovcloud-second-boot kept/);
    assert.equal(await ssh('hostname; cat persist'), 'tiny-two\nkept\n');
    await powerOff(qemu);
  });
});
