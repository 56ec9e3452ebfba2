import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { serveMetadata } from '../api/metadata/server.ts';
import { buildObjectServer } from '../api/object-server.ts';
import { buildServer } from '../api/server.ts';
import { FileBackupStore } from '../drivers/backup/file-backup-store.ts';
import { ObjectBackupStore } from '../drivers/backup/object-backup-store.ts';
import { FileImageStore } from '../drivers/disk/file-image-store.ts';
import { QemuVolumeDriver } from '../drivers/volume/qemu-volume-driver.ts';
import type { Config } from '../platform/config.ts';
import { loadKey } from '../platform/crypto.ts';
import { createLogger } from '../platform/log.ts';
import { openDatabase } from '../platform/db/index.ts';
import { loadPolicyOverrides } from '../platform/policy/file.ts';
import { PolicyEngine } from '../platform/policy/engine.ts';
import { createBlockStorage } from '../services/block-storage/index.ts';
import { createComputeService } from '../services/compute/index.ts';
import { bootstrapIdentity, DEFAULT_DOMAIN, REGION } from '../services/identity/bootstrap.ts';
import { createIdentity } from '../services/identity/index.ts';
import { createImageService } from '../services/image/index.ts';
import { createNetworkService } from '../services/network/index.ts';
import { createObjectStorage } from '../services/object-storage/index.ts';
import { createPlacement } from '../services/placement/index.ts';
import { writeClientFiles } from './client-files.ts';
import { computeDriver, networkDriver } from './drivers.ts';
import { registerGuestImages } from './guest-images.ts';
import { imageSource } from './image-source.ts';
import { imagePeer } from './peers/image-peer.ts';
import { networkPeer } from './peers/network-peer.ts';
import { placementPeer } from './peers/placement-peer.ts';
import { volumePeer } from './peers/volume-peer.ts';

/** The composition root: opens state, wires services, serves until SIGTERM/SIGINT. */
export async function up(config: Config): Promise<void> {
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  const db = await openDatabase(join(config.stateDir, 'sovcloud.db'));
  const policy = new PolicyEngine();
  const identity = await createIdentity(db, config, policy);
  const log = createLogger(config.logLevel);
  const image = createImageService(db, policy, new FileImageStore(join(config.stateDir, 'images')), log);
  const objects = createObjectStorage(db, {
    dir: join(config.stateDir, 'objects'),
    masterKey: loadKey(config.stateDir, 'object'),
    log,
    dayMs: config.objectStorage.lifecycleDayMs,
  });
  const blockStorage = createBlockStorage(db, policy, {
    driver: new QemuVolumeDriver(join(config.stateDir, 'volumes')),
    backups: new ObjectBackupStore(objects, new FileBackupStore(join(config.stateDir, 'backups'))),
    volumeKey: loadKey(config.stateDir, 'volume'),
    images: imageSource(image),
    log,
  });
  const network = createNetworkService(db, policy, {
    driver: networkDriver(config, log),
    settings: { ...config.network, dnsDomain: 'openstacklocal' },
    log,
  });
  const placement = createPlacement(db, policy, log);
  const compute = createComputeService(db, policy, {
    driver: computeDriver(config, log),
    host: hostname(),
    peers: {
      network: networkPeer(network),
      images: imagePeer(image, join(config.stateDir, 'image-cache')),
      volumes: volumePeer(blockStorage),
      placement: placementPeer(placement),
    },
    log,
  });
  identity.projects.onCreated(async (projectId) => {
    try {
      await network.projectCreated(projectId);
    } catch (err) {
      log.error({ err, projectId }, 'could not create the network defaults of a new project');
    }
  });
  identity.projects.onDeleted(async (projectId) => {
    try {
      await network.projectDeleted(projectId);
    } catch (err) {
      log.error({ err, projectId }, 'could not remove the network defaults of a deleted project');
    }
  });
  policy.applyOverrides(loadPolicyOverrides(config.stateDir));

  const fresh = await bootstrapIdentity(db);
  const identityUrl = `${config.publicUrl}/identity`;
  await identity.catalog.ensureService('identity', 'keystone', 'Keystone Identity Service', identityUrl, REGION);
  await identity.catalog.ensureService('image', 'glance', 'Glance Image Service', `${config.publicUrl}/image`, REGION);
  // Keystone fills `$(project_id)s` from the token's project (Catalog.forProject); clients that
  // still look for the legacy `volumev3` type find the same endpoint (scs-0123 accepts either).
  const volumeUrl = `${config.publicUrl}/volume/v3/$(project_id)s`;
  await identity.catalog.ensureService('block-storage', 'cinderv3', 'Cinder Volume Service', volumeUrl, REGION);
  await identity.catalog.ensureService('volumev3', 'cinderv3', 'Cinder Volume Service (legacy type)', volumeUrl, REGION);
  await identity.catalog.ensureService('network', 'neutron', 'Neutron Networking Service', `${config.publicUrl}/network`, REGION);
  await identity.catalog.ensureService('compute', 'nova', 'Nova Compute Service', `${config.publicUrl}/compute/v2.1`, REGION);
  await identity.catalog.ensureService('placement', 'placement', 'Placement Service', `${config.publicUrl}/placement`, REGION);
  await identity.catalog.ensureService('object-store', 'swift', 'Swift Object Storage', `${config.objectUrl}/swift/v1/AUTH_$(project_id)s`, REGION);
  await identity.catalog.ensureService('object-store-s3', 's3', 'S3 Object Storage', config.objectUrl, REGION);
  writeClientFiles(config.stateDir, `${identityUrl}/v3`, fresh);
  // Finish or undo what a crash interrupted before anyone can see half-written images.
  await image.data.recover();
  // Before anything writes objects: the sweep removes data files no committed row names.
  await objects.start();
  await blockStorage.start();
  const adminProject = (await identity.projects.byName('admin', DEFAULT_DOMAIN))!;
  await network.start(adminProject.id);
  if (fresh) await network.projectCreated((await identity.projects.byName('demo', DEFAULT_DOMAIN))!.id);
  await registerGuestImages(image, adminProject.id, log);
  await compute.start();
  const metadataServer = await serveMetadata(join(config.stateDir, 'metadata.sock'), compute.metadata, log);

  const app = await buildServer(config, { identity, image, blockStorage, network, compute, placement, objects }, log);
  const objectApp = await buildObjectServer({ objects, identity, config }, log);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    network.stop();
    compute.stop();
    objects.stop();
    metadataServer.close();
    await Promise.all([app.close(), objectApp.close()]);
    await db.destroy();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  await app.listen({ host: config.listen.host, port: config.listen.port });
  await objectApp.listen({ host: config.objectListen.host, port: config.objectListen.port });
  console.log(`sovcloud is ready: API ${identityUrl}/v3 (OpenStack auth URL), S3 and Swift at ${config.objectUrl}, credentials in ${config.stateDir}/clouds.yaml`);
}
