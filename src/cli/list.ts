// -l / -lv: list probes matching a pattern, or the probes a program (-e or a script file)
// attaches to, without loading anything.

import type { SourceFile } from '../lang/ast.ts';
import { CompileAbort, Diagnostics } from '../lang/diagnostics.ts';
import { parseScript } from '../lang/frontend.ts';
import { formatListResult, type ListResult, listProbes as list, listAttachPoints } from '../probes/info/listing.ts';
import { releaseTracefs } from '../util/tracefs.ts';
import { writeAllSync } from '../util/write-all.ts';

function print(r: ListResult, pattern: string): number {
  const { stdout, stderr } = formatListResult(r, pattern);
  writeAllSync(1, Buffer.from(stdout, 'latin1'));
  if (stderr) writeAllSync(2, Buffer.from(stderr, 'latin1'));
  return r.errors.length ? 1 : 0;
}

export function listProbes(pattern: string, verbose: boolean): number {
  try {
    const r = list(pattern, { verbose, style: '0.26' });
    // A search that looks like a script name was probably meant as one (bpftrace's warning).
    if (pattern.includes('.') && !/[:*]/.test(pattern)) {
      r.warnings.unshift(
        `It appears that '${pattern}' is a filename but the file does not exist. Treating '${pattern}' as a search pattern.`,
      );
    }
    return print(r, pattern);
  } finally {
    releaseTracefs();
  }
}

/** `-l -e PROGRAM` / `-l FILE`: every attach point of the program, expanded. */
export function listProgramProbes(source: SourceFile, verbose: boolean): number {
  const diags = new Diagnostics(source);
  try {
    const program = parseScript(source, diags);
    const warnings = diags.render();
    if (warnings) writeAllSync(2, Buffer.from(warnings, 'latin1'));
    const raws = program.items.flatMap((i) => (i.kind === 'Probe' ? i.attachPoints.map((ap) => ap.raw) : []));
    return print(listAttachPoints(raws, { verbose, style: '0.26' }), '');
  } catch (e) {
    if (!(e instanceof CompileAbort)) throw e;
    writeAllSync(2, Buffer.from(diags.render(), 'latin1'));
    return 1;
  } finally {
    releaseTracefs();
  }
}
