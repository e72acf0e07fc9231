// -l / -lv: list probes matching a pattern, without loading anything.

import { listing } from '../probes/info/listing.ts';

export function listProbes(pattern: string, verbose: boolean): number {
  const lines = listing(pattern, verbose);
  process.stdout.write(Buffer.from(lines.map((l) => `${l}\n`).join(''), 'latin1'));
  return 0;
}
