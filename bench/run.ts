import { run as token } from './token.ts';

/** Every benchmark in turn; each prints ratios against a baseline measured in the same run. */
for (const bench of [token]) await bench();
