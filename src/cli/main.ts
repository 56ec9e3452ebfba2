import { parseArgs } from 'node:util';
import { makeConfig } from '../platform/config.ts';
import { createLogger } from '../platform/log.ts';
import { computeDriver, networkDriver } from './drivers.ts';
import { up } from './up.ts';

const USAGE = `usage: sovcloud <command>
  up [--state-dir DIR] [--listen HOST:PORT] [--object-listen HOST:PORT]   run the cloud in the foreground
     [--public-cidr CIDR] [--no-project-defaults]
  purge [--state-dir DIR]                 switch this cloud's VMs off and remove its networking from the host
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
  console.error(USAGE);
  process.exit(command === undefined || command === 'help' || command === '--help' ? 0 : 2);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
