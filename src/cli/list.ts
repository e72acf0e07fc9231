// -l / -lv: list probes matching a pattern, without loading anything.

import { formatListResult, listProbes as list } from '../probes/info/listing.ts';
import { releaseTracefs } from '../util/tracefs.ts';

export function listProbes(pattern: string, verbose: boolean): number {
  try {
    const r = list(pattern, { verbose, style: '0.26' });
    const { stdout, stderr } = formatListResult(r, pattern);
    process.stdout.write(Buffer.from(stdout, 'latin1'));
    if (stderr) process.stderr.write(Buffer.from(stderr, 'latin1'));
    return r.errors.length ? 1 : 0;
  } finally {
    releaseTracefs();
  }
}
