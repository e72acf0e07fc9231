// -l / -lv: list probes matching a pattern, without loading anything.

import { formatListResult, listProbes as list } from '../probes/info/listing.ts';
import { releaseTracefs } from '../util/tracefs.ts';
import { writeAllSync } from '../util/write-all.ts';

export function listProbes(pattern: string, verbose: boolean): number {
  try {
    const r = list(pattern, { verbose, style: '0.26' });
    const { stdout, stderr } = formatListResult(r, pattern);
    writeAllSync(1, Buffer.from(stdout, 'latin1'));
    if (stderr) writeAllSync(2, Buffer.from(stderr, 'latin1'));
    return r.errors.length ? 1 : 0;
  } finally {
    releaseTracefs();
  }
}
