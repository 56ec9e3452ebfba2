/**
 * The SCS standard flavors (scs-0103-v1, names after scs-0100-v3). Every SCS cloud offers the
 * mandatory ones with exactly these figures; the recommended ones add a fixed root disk.
 */
export interface ScsFlavor {
  name: string;
  vcpus: number;
  cpuType: 'shared-core' | 'crowded-core';
  ramGiB: number;
  /** Root disk in GB; 0 means none (the image's or the boot volume's size). */
  diskGB: number;
  /** `scs:disk0-type`, set exactly when there is a disk. */
  diskType?: 'ssd' | 'network';
  mandatory: boolean;
}

/** The vCPU letter of the name says the type: `V` shared-core, `L` crowded-core. */
const row = (name: string, vcpus: number, ramGiB: number, diskGB = 0, diskType?: 'ssd' | 'network', mandatory = true): ScsFlavor => ({
  name, vcpus, cpuType: /^SCS-\d+L/.test(name) ? 'crowded-core' : 'shared-core', ramGiB, diskGB, ...(diskType ? { diskType } : {}), mandatory,
});

const recommended = (name: string, vcpus: number, ramGiB: number, diskGB = 0) =>
  row(name, vcpus, ramGiB, diskGB, diskGB > 0 ? 'network' : undefined, false);

export const SCS_FLAVORS: readonly ScsFlavor[] = [
  row('SCS-1V-4', 1, 4),
  row('SCS-2V-8', 2, 8),
  row('SCS-4V-16', 4, 16),
  row('SCS-4V-16-100s', 4, 16, 100, 'ssd'),
  row('SCS-8V-32', 8, 32),
  row('SCS-1V-2', 1, 2),
  row('SCS-2V-4', 2, 4),
  row('SCS-2V-4-20s', 2, 4, 20, 'ssd'),
  row('SCS-4V-8', 4, 8),
  row('SCS-8V-16', 8, 16),
  row('SCS-16V-32', 16, 32),
  row('SCS-1V-8', 1, 8),
  row('SCS-2V-16', 2, 16),
  row('SCS-4V-32', 4, 32),
  row('SCS-1L-1', 1, 1),
  // Recommended by scs-0103: the same shapes with a fixed root disk of "(any)" type.
  recommended('SCS-1V-4-10', 1, 4, 10),
  recommended('SCS-2V-8-20', 2, 8, 20),
  recommended('SCS-4V-16-50', 4, 16, 50),
  recommended('SCS-8V-32-100', 8, 32, 100),
  recommended('SCS-1V-2-5', 1, 2, 5),
  recommended('SCS-2V-4-10', 2, 4, 10),
  recommended('SCS-4V-8-20', 4, 8, 20),
  recommended('SCS-8V-16-50', 8, 16, 50),
  recommended('SCS-16V-32-100', 16, 32, 100),
  recommended('SCS-1V-8-20', 1, 8, 20),
  recommended('SCS-2V-16-50', 2, 16, 50),
  recommended('SCS-4V-32-100', 4, 32, 100),
  recommended('SCS-1L-1-5', 1, 1, 5),
  // Larger diskless shapes in the project's list of SCS extras; valid scs-0100 names.
  recommended('SCS-8V-64', 8, 64),
  recommended('SCS-16V-64', 16, 64),
  recommended('SCS-16V-128', 16, 128),
];

/** scs-0103 `scs:name-v1`: the name with every dash after the first turned into a colon. */
export function nameV1(name: string): string {
  const first = name.indexOf('-');
  return name.slice(0, first + 1) + name.slice(first + 1).replaceAll('-', ':');
}

/** The extra specs scs-0103 requires on a standard flavor. */
export function scsExtraSpecs(f: ScsFlavor): Record<string, string> {
  return {
    'scs:cpu-type': f.cpuType,
    ...(f.diskType ? { 'scs:disk0-type': f.diskType } : {}),
    'scs:name-v1': nameV1(f.name),
    'scs:name-v2': f.name,
  };
}
