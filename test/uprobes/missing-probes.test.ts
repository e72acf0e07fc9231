// config missing_probes with uprobes that attach many targets at once: a target the kernel
// refuses (test/progs/unprobeable.c) ends the run by default, and is skipped with bpftrace's
// warning under "warn" or silently under "ignore" — with uprobe_multi links and without.

import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, runCli } from '../helpers/run.ts';

const build = join(ROOT, 'test', 'progs', 'build');
const bin = join(build, 'unprobeable');
let proc: ChildProcess;

before(() => {
  mkdirSync(build, { recursive: true });
  execFileSync('gcc', ['-O0', '-o', bin, join(ROOT, 'test', 'progs', 'unprobeable.c')]);
  // The kernel checks the probed instruction where the binary is mapped: keep it running.
  proc = spawn(bin, ['6000'], { stdio: 'ignore' });
});

after(() => {
  proc.kill('SIGKILL');
});

const probes = `uprobe:${bin}:probeable, uprobe:${bin}:unprobeable`;
const script = (policy: string | null): string =>
  `${policy ? `config = { missing_probes = "${policy}" } ` : ''}${probes} { @[func] = count(); exit(); }`;

for (const [how, env] of [
  ['uprobe_multi link', {}],
  ['one perf event per target', { BPFTRACE_TS_NO_UPROBE_MULTI: '1' }],
] as const) {
  test(`missing_probes (${how}): error ends the run, warn and ignore skip the refused target`, () => {
    const pid = String(proc.pid);
    const err = runCli(['-p', pid, '-e', script(null)], { env });
    assert.equal(err.code, 1, err.stderr);
    assert.match(
      err.stderr,
      new RegExp(
        `^ERROR: cannot attach uprobe:${bin}:unprobeable: uprobes cannot handle the instruction there \\(ENOTSUPP: .*\\)\\nERROR: Unable to attach probe: uprobe:${bin}:unprobeable\\. If this is expected, set the 'missing_probes' config variable to 'warn'\\.\\n(HINT: .*\\n)*$`,
      ),
    );
    assert.equal(err.stdout, '');

    const warn = runCli(['-p', pid, '-e', script('warn')], { env });
    assert.equal(warn.code, 0, warn.stderr);
    assert.match(
      warn.stderr,
      new RegExp(`^WARNING: .+\\nWARNING: Unable to attach probe: uprobe:${bin}:unprobeable\\. Skipping\\.\\nAttached 1 probe\\n$`),
    );
    assert.match(warn.stdout, /^\n\n@\[probeable\]: \d+\n$/);

    const ignore = runCli(['-p', pid, '-e', script('ignore')], { env });
    assert.equal(ignore.code, 0, ignore.stderr);
    assert.equal(ignore.stderr, 'Attached 1 probe\n');
    assert.match(ignore.stdout, /^\n\n@\[probeable\]: \d+\n$/);
  });
}
