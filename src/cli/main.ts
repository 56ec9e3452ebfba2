import { parseArgs } from 'node:util';
import { makeConfig } from '../platform/config.ts';
import { up } from './up.ts';

const USAGE = `usage: sovcloud <command>
  up [--state-dir DIR] [--listen HOST:PORT] [--object-listen HOST:PORT]   run the cloud in the foreground
  test                                                                     run the whole test suite`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'up') {
    const { values } = parseArgs({
      args: rest,
      options: { 'state-dir': { type: 'string' }, listen: { type: 'string' }, 'object-listen': { type: 'string' } },
    });
    await up(makeConfig({ stateDir: values['state-dir'], listen: values.listen, objectListen: values['object-listen'] }));
    return;
  }
  console.error(USAGE);
  process.exit(command === undefined || command === 'help' || command === '--help' ? 0 : 2);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
