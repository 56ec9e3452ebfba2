import { mkdir, readFile, statfs } from 'node:fs/promises';
import { cpus, hostname, totalmem } from 'node:os';
import type { HostInfo } from '../../../services/compute/driver.ts';
import { QEMU } from './command-line.ts';
import { run } from './exec.ts';

/** What this host offers guests, reported the way Nova's libvirt driver reports it. */
export async function describeHost(instancesDir: string, accelerator: 'kvm' | 'tcg'): Promise<HostInfo> {
  await mkdir(instancesDir, { recursive: true });
  const [version, cpuinfo, fs] = await Promise.all([
    run(QEMU, ['--version']),
    readFile('/proc/cpuinfo', 'utf8').catch(() => ''),
    statfs(instancesDir),
  ]);
  const v = /version (\d+)\.(\d+)\.(\d+)/.exec(version);
  return {
    hostname: hostname(),
    hypervisorType: 'QEMU',
    // Nova's integer form: 7.2.22 is 7002022.
    hypervisorVersion: v ? Number(v[1]) * 1_000_000 + Number(v[2]) * 1000 + Number(v[3]) : 0,
    accelerator,
    vcpus: cpus().length,
    memoryMiB: Math.floor(totalmem() / 2 ** 20),
    diskGiB: Math.floor((fs.blocks * fs.bsize) / 2 ** 30),
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
  };
}
