import * as backup from './backup.ts';
import * as compute from './compute.ts';
import * as image from './image.ts';
import * as network from './network.ts';
import * as object from './object.ts';
import * as token from './token.ts';

/** Each benchmark module exports `run()`, which prints its results and throws when they are void. */
const benchmarks: { run(): Promise<void> }[] = [token, image, object, backup, network, compute];

for (const bench of benchmarks) {
  try {
    await bench.run();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}
