// The code examples of bpftrace 0.26's reference docs (language.md, stdlib.md, the man page,
// the migration guide) that bpftrace-ts passes, kept passing. test/fixtures/docs-examples.json is
// written by `node scripts/docs-examples.mjs --write-fixture ...` from the bpftrace mirror, so
// this test needs neither. Each example is compiled (--dry-run), run for the output the docs
// show (BEGIN/END-only programs, as root), refused, or checked for the diagnostic the docs show.
// Kernel-probe examples (kprobe, fentry, iter) must compile; on a kernel that cannot run them
// the only errors allowed are the ones saying so.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isRoot, LAUNCHER, ROOT, runCli } from '../helpers/run.ts';

type Expect = { compiles: true } | { stdout: string; signal?: NodeJS.Signals } | { stderr: string } | { rejected: true };

interface Example {
  id: string;
  program: string;
  args: string[];
  files?: Record<string, string>;
  expect: Expect;
  kernel?: true;
}

const fixture = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'docs-examples.json'), 'utf8')) as {
  rev: string;
  examples: Example[];
};

/** Errors that say this kernel cannot run a probe type or helper, not that the script is wrong. */
const KERNEL_SUPPORT =
  /not available in this kernel|which this kernel (refuses|does not have)|not available for your kernel version|Missing required kernel feature|need kernel BTF/;

const dir = mkdtempSync(join(tmpdir(), 'docs-examples-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A diagnostic line without its location (ours may end a range before the `;`). */
function diagText(line: string): string {
  return line.replace(/^\S+?:\d+(:\d+(-\d+)?)?(-\d+)?:\s*/, '').trim();
}

/** The example's command line, as scripts/docs-examples.mjs builds it. */
function argv(ex: Example, real: boolean): string[] {
  const dd = ex.args.indexOf('--');
  const before = dd >= 0 ? ex.args.slice(0, dd) : ex.args;
  const rest = dd >= 0 ? ex.args.slice(dd) : [];
  let script = ['-e', ex.program];
  if (ex.files) {
    const own = mkdtempSync(join(dir, 'ex-'));
    for (const [name, text] of Object.entries(ex.files)) writeFileSync(join(own, name), text);
    writeFileSync(join(own, 'main.bt'), ex.program);
    script = [join(own, 'main.bt')];
  }
  return [...(real ? [] : ['--dry-run']), ...script, ...before, ...rest];
}

/** Runs until attached, sends `signal`, waits for `want` on stdout, then SIGINT; bounded by `timeoutMs`. */
function runWithSignal(
  args: string[],
  signal: NodeJS.Signals,
  want: string,
  timeoutMs = 30_000,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(LAUNCHER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('latin1');
      if (!sent && /Attached \d+ probe/.test(stderr)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('latin1');
      if (stdout.includes(want)) child.kill('SIGINT');
    });
    child.on('close', () => {
      clearTimeout(timer);
      done({ stdout, stderr });
    });
  });
}

test('the fixture holds examples of every reference document', () => {
  assert.equal(fixture.rev, 'v0.26.1');
  for (const doc of ['docs/language.md', 'docs/stdlib.md', 'man/adoc/bpftrace.adoc', 'docs/migration_guide.md'])
    assert.ok(
      fixture.examples.some((e) => e.id.startsWith(`${doc}:`)),
      doc,
    );
});

for (const ex of fixture.examples) {
  const e = ex.expect;
  const needsRoot = 'stdout' in e || 'stderr' in e;
  test(`${ex.id}`, { skip: needsRoot && !isRoot ? 'runs BPF programs: needs root' : false }, async () => {
    if ('signal' in e && e.signal) {
      // self:signal probes: the output comes once the running tracer gets the signal.
      const r = await runWithSignal(argv(ex, true), e.signal, e.stdout);
      assert.ok(r.stdout.includes(e.stdout), `no "${e.stdout.trim()}" after ${e.signal}:\n${r.stdout}\n${r.stderr}`);
      return;
    }
    const r = runCli(argv(ex, needsRoot), { timeoutMs: 30_000 });
    const errors = r.stderr.split('\n').filter((l) => l.includes('ERROR:'));
    if ('stdout' in e) {
      assert.equal(r.code, 0, r.stderr);
      const out = `${r.stdout.replace(/^Attached \d+ probes?\n/, '').replace(/\s+$/, '')}\n`;
      assert.equal(out, e.stdout);
    } else if ('stderr' in e) {
      const want = diagText(e.stderr);
      assert.ok(
        r.stderr.split('\n').some((l) => diagText(l) === want),
        `expected "${e.stderr}" in:\n${r.stderr}`,
      );
    } else if ('rejected' in e) {
      // Refused for what the script says, not only because this kernel lacks the probe type.
      assert.notEqual(r.code, 0);
      assert.ok(
        errors.some((l) => !KERNEL_SUPPORT.test(l)),
        r.stderr,
      );
    } else if (ex.kernel && r.code !== 0) {
      // Compiled, but this kernel cannot run the probe type: nothing else may be wrong.
      assert.ok(errors.length > 0, r.stderr);
      for (const l of errors) assert.match(l, KERNEL_SUPPORT, r.stderr);
    } else {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(errors.length, 0, r.stderr);
    }
  });
}
