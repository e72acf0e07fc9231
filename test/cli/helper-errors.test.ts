// Failed BPF helpers reported at run time in bpftrace 0.26's words: a full map by default,
// failed probe reads and missing map keys with -k, nothing with --no-warnings.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ROOT, runCli } from '../helpers/run.ts';

const build = join(ROOT, 'test', 'progs', 'build');
const wpfunc = join(build, 'wpfunc-cli');

before(() => {
  mkdirSync(build, { recursive: true });
  execFileSync('gcc', ['-O0', '-o', wpfunc, join(ROOT, 'test', 'progs', 'wpfunc.c')]);
});

const MAP_FULL =
  "WARNING: Map full; can't update element. Try increasing max_map_keys config or manually setting the max entries in a map declaration e.g. `let @a = hash(5000)`\nAdditional Info - helper: map_update_elem, retcode: -7\n";

test('a hash map with max_entries 1 filled twice: the second update is reported where it is', () => {
  const script = 'let @a = hash(1); BEGIN { @a[1] = 1; @a[2] = 2; exit(); }';
  const r = runCli(['-e', script]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '\n\n@a[1]: 1\n');
  assert.equal(r.stderr, `Attached 1 probe\nstdin:1:38-47: ${MAP_FULL}${script}\n${' '.repeat(37)}${'~'.repeat(9)}\n`);
});

test('a full per-CPU aggregation map is reported at the aggregation call', () => {
  const script = 'let @a = percpuhash(1); BEGIN { @a[1] = count(); @a[2] = count(); exit(); }';
  const r = runCli(['-e', script]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '\n\n@a[1]: 1\n');
  assert.ok(r.stderr.includes(`stdin:1:58-65: ${MAP_FULL}${script}\n${' '.repeat(57)}~~~~~~~\n`), r.stderr);
});

test('an LRU map evicts instead of failing: no warning', () => {
  const r = runCli(['-e', 'let @a = lruhash(1); BEGIN { @a[1] = 1; @a[2] = 2; exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '\n\n@a[2]: 2\n');
  assert.doesNotMatch(r.stderr, /WARNING/);
});

test('--no-warnings turns the checks off', () => {
  const r = runCli(['--no-warnings', '-e', 'let @a = hash(1); BEGIN { @a[1] = 1; @a[2] = 2; exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /WARNING/);
  // The same run as with the checks (the second update still fails), minus the report.
  assert.equal(r.stdout, '\n\n@a[1]: 1\n');
  assert.equal(r.stderr, 'Attached 1 probe\n');
});

test('-k: reads of bad pointers are reported with the errno text, the helper and its return code', () => {
  const script = 'BEGIN { $p = 1; printf("[%s]\\n", str($p)); $x = *(int32*)8; printf("%d\\n", $x); exit(); }';
  const r = runCli(['-k', '-e', script]);
  assert.equal(r.code, 0, r.stderr);
  // A failed read leaves zeros, as without -k.
  assert.equal(r.stdout, '[]\n0\n\n\n');
  assert.ok(
    r.stderr.includes(
      `stdin:1:34-41: WARNING: Bad address\nAdditional Info - helper: probe_read_str, retcode: -14\n${script}\n${' '.repeat(33)}~~~~~~~\n`,
    ),
    r.stderr,
  );
  // Address 8 is below the kernel's range: probe_read_kernel refuses it with ERANGE.
  assert.match(
    r.stderr,
    /\nstdin:1:49-59: WARNING: Numerical result out of range\nAdditional Info - helper: probe_read_kernel, retcode: -34\n/,
  );
});

test('-k in a uprobe: str() of a user pointer that is not one (the int 0 in arg0)', () => {
  const script = 'uprobe:increment { printf("[%s]\\n", str(arg0)); }';
  const r = runCli(['-k', '-e', script, '-c', `${wpfunc} 2 1000`]);
  assert.equal(r.code, 0, r.stderr);
  // The program's own line ("4") interleaves with ours in no fixed order.
  assert.equal(r.stdout.replace('4\n', ''), '[]\n[]\n\n\n');
  const warning = `stdin:1:37-46: WARNING: Bad address\nAdditional Info - helper: probe_read_user_str, retcode: -14\n${script}\n${' '.repeat(36)}~~~~~~~~~\n`;
  assert.equal(r.stderr, `Attached 1 probe\n${warning}${warning}`);
});

test('without -k failed reads stay silent (their zeros are visible to the script)', () => {
  const r = runCli(['-e', 'BEGIN { $p = 1; printf("[%s]\\n", str($p)); exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '[]\n\n\n');
  assert.doesNotMatch(r.stderr, /WARNING/);
});

test('-k: a lookup of a missing key is reported with return code 0 (bpftrace runtime test)', () => {
  const script = 'i:ms:100 { @[1] = 1; printf("%d\\n", @[2]); exit(); }';
  const r = runCli(['-k', '-e', script]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '0\n\n\n@[1]: 1\n');
  assert.equal(
    r.stderr,
    `Attached 1 probe\nstdin:1:37-41: WARNING: Can't lookup map element because it does not exist.\nAdditional Info - helper: map_lookup_elem, retcode: 0\n${script}\n${' '.repeat(36)}~~~~\n`,
  );
});

test('-k: has_key() and a present key are not failures; a missing string value is', () => {
  const quiet = runCli(['-k', '-e', 'BEGIN { @[1] = 1; if (!has_key(@, 2)) { printf("%d\\n", @[1]); } exit(); }']);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, 'Attached 1 probe\n');
  const script = 'BEGIN { @s[1] = "a"; printf("[%s]\\n", @s[2]); exit(); }';
  const r = runCli(['-k', '-e', script]);
  assert.equal(r.stdout, '[]\n\n\n@s[1]: a\n');
  assert.match(r.stderr, /^Attached 1 probe\nstdin:1:39-44: WARNING: Can't lookup map element because it does not exist\.\n/);
});

test('a missing key of a per-CPU aggregation: reported by default, in 0.26 words (map_lookup_percpu_elem, strerror(0))', () => {
  const script = 'BEGIN { @c[1] = count(); printf("%d\\n", @c[2]); exit(); }';
  const warning = `stdin:1:41-46: WARNING: Success\nAdditional Info - helper: map_lookup_percpu_elem, retcode: 0\n${script}\n${' '.repeat(40)}~~~~~\n`;
  for (const flags of [[], ['-k']]) {
    const r = runCli([...flags, '-e', script]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '0\n\n\n@c[1]: 1\n');
    assert.equal(r.stderr, `Attached 1 probe\n${warning}`, flags.join(' '));
  }
  const quiet = runCli(['--no-warnings', '-e', script]);
  assert.equal(quiet.stderr, 'Attached 1 probe\n');
  const json = runCli(['-f', 'json', '-e', script]);
  assert.ok(
    json.stdout.includes(
      '{"type": "helper_error", "msg": "Success", "helper": "map_lookup_percpu_elem", "retcode": 0, "filename": "stdin", "line": 1, "col": 41}\n',
    ),
    json.stdout,
  );
  // A key that exists reads without a word.
  assert.equal(runCli(['-e', 'BEGIN { @c = sum(5); printf("%d\\n", @c); exit(); }']).stderr, 'Attached 1 probe\n');
});

test('-k -f json: helper errors are JSON records on stdout', () => {
  const r = runCli(['-k', '-f', 'json', '-e', 'struct foo {int a;}; BEGIN { $tmp = ((struct foo*) 0).a; exit(); }']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(
    r.stdout.includes(
      '{"type": "helper_error", "msg": "Numerical result out of range", "helper": "probe_read_kernel", "retcode": -34, "filename": "stdin", "line": 1, "col": 38}\n',
    ),
    r.stdout,
  );
});

test('-kk is gone and -k contradicts --no-warnings, as in 0.26', () => {
  const kk = runCli(['-kk', '-e', 'BEGIN { exit(); }']);
  assert.equal(kk.code, 1);
  assert.equal(
    kk.stderr,
    'ERROR: USAGE: -kk has been deprecated. Use a single -k for runtime warnings for errors in map lookups and probe reads.\n',
  );
  const both = runCli(['-k', '--no-warnings', '-e', 'BEGIN { exit(); }']);
  assert.equal(both.code, 1);
  assert.equal(both.stderr, 'ERROR: USAGE: -k, --warnings conflicts with --no-warnings\n');
  const long = runCli(['--warnings', '-e', 'BEGIN { exit(); }']);
  assert.equal(long.code, 0, long.stderr);
});
