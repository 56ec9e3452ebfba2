import { parseArgs } from 'node:util';
import { makeConfig } from '../platform/config.ts';
import { createLogger } from '../platform/log.ts';
import { buildImage, BUILDABLE_IMAGES, type BuildableImage } from './build-image.ts';
import { computeDriver, networkDriver } from './drivers.ts';
import { up } from './up.ts';

const USAGE = `usage: sovcloud <command>
  up [--state-dir DIR] [--listen HOST:PORT] [--object-listen HOST:PORT]   run the cloud in the foreground
     [--public-cidr CIDR] [--no-project-defaults]
  purge [--state-dir DIR]                 switch this cloud's VMs off and remove its networking from the host
  image-build debian-12 [--state-dir DIR] [--reuse]   build an image (as root) and register it in the running cloud
  test                                    run the whole test suite`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'up') {
    const { values } = parseArgs({
      args: rest,
      options: {
        'state-dir': { type: 'string' }, listen: { type: 'string' }, 'object-listen': { type: 'string' },
        'public-cidr': { type: 'string' }, 'no-project-defaults': { type: 'boolean' },
      },
    });
    await up(makeConfig({
      stateDir: values['state-dir'], listen: values.listen, objectListen: values['object-listen'],
      publicCidr: values['public-cidr'], projectDefaults: !values['no-project-defaults'],
    }));
    return;
  }
  if (command === 'purge') {
    const { values } = parseArgs({ args: rest, options: { 'state-dir': { type: 'string' } } });
    const config = makeConfig({ stateDir: values['state-dir'] });
    const log = createLogger('warn');
    // Guests first (switched off, their disks kept for the next `up`): their taps live in the network's namespace.
    const compute = computeDriver(config, log);
    for (const id of await compute.inventory()) await compute.powerOff(id, 0);
    await networkDriver(config, log).purge();
    return;
  }
  if (command === 'image-build') {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { 'state-dir': { type: 'string' }, reuse: { type: 'boolean' } } });
    const name = positionals[0];
    if (positionals.length !== 1 || !(BUILDABLE_IMAGES as readonly string[]).includes(name!)) {
      console.error(`image-build: name one image to build: ${BUILDABLE_IMAGES.join(', ')}\n${USAGE}`);
      process.exit(2);
    }
    const built = await buildImage(name as BuildableImage, makeConfig({ stateDir: values['state-dir'] }), { reuse: values.reuse });
    console.log(JSON.stringify({ qcow2: built.qcow2, properties: built.properties }, null, 2));
    if (built.registered) {
      const r = built.registered;
      console.log(`registered public image ${built.name}: ${r.id} (${r.status}, ${r.size} bytes)${r.replaced.length ? `; deleted the older ${r.replaced.join(', ')}` : ''}`);
    } else {
      console.error(`image-build: not registered: ${built.notRegistered}. Once the cloud runs, upload it with:`);
      console.log(built.command);
      process.exitCode = 1;
    }
    return;
  }
  console.error(USAGE);
  process.exit(command === undefined || command === 'help' || command === '--help' ? 0 : 2);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
