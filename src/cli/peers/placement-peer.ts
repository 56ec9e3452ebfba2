import type { PlacementPeer } from '../../services/compute/peers.ts';
import type { Placement } from '../../services/placement/index.ts';

/**
 * Nova's initial allocation ratios (`initial_*_allocation_ratio`): vCPUs overcommit 4:1, memory
 * and disk not at all; 512 MiB of RAM stay with the host (`reserved_host_memory_mb`).
 */
const CPU_RATIO = 4;
const RESERVED_MEMORY_MIB = 512;

/** Compute's view of placement: its host as a resource provider, and claims per server. */
export function placementPeer(placement: Placement): PlacementPeer {
  return {
    async ensureHost(host, uuid, vcpus, memoryMiB, diskGiB) {
      await placement.ensureProvider(host, uuid, {
        VCPU: { total: vcpus, allocationRatio: CPU_RATIO },
        MEMORY_MB: { total: memoryMiB, reserved: RESERVED_MEMORY_MIB, allocationRatio: 1 },
        DISK_GB: { total: Math.max(1, diskGiB), allocationRatio: 1 },
      }, ['COMPUTE_NODE']);
    },
    async claim(serverId, providerId, resources, projectId, userId) {
      // Placement refuses zero amounts; a volume-booted server takes no local disk.
      const wanted = Object.fromEntries(Object.entries(resources).filter(([, n]) => n > 0));
      await placement.claim(serverId, providerId, wanted, projectId, userId);
    },
    release: (serverId) => placement.release(serverId),
  };
}
