// unwatch(addr) on this host's hardware watchpoints (test/progs/unwatched.c): the first write is
// seen, the script unwatches the address and then (system(), handled after the unwatch record)
// tells the program to go on; its four later writes are not seen. Without unwatch they are.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { compileText } from '../helpers/compile.ts';
import { ROOT, runCli } from '../helpers/run.ts';

const build = join(ROOT, 'test', 'progs', 'build');
const bin = join(build, 'unwatched');
let globalAddr = '';

before(() => {
  mkdirSync(build, { recursive: true });
  // -O0: increment() has a prologue, so the process is stopped before its write, never after.
  execFileSync('gcc', ['-O0', '-no-pie', '-o', bin, join(ROOT, 'test', 'progs', 'unwatched.c')]);
  const sym = execFileSync('nm', [bin], { encoding: 'utf8' })
    .split('\n')
    .find((l) => l.endsWith(' watched_global'));
  assert.ok(sym, 'watched_global in the symbol table');
  globalAddr = `0x${sym.split(' ')[0]?.replace(/^0+/, '')}`;
});

/** Tells the program (the watchpoint's own process) to go on. */
const goOn = 'system("kill -USR1 %d", pid);';

/**
 * The output's non-empty lines: the program's count of writes, then the map. (system() prints
 * an empty line, as bpftrace's does, at a moment that races with the program's own line.)
 */
function lines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l !== '');
}

test('watchpoint:FUNC+arg0: after unwatch(addr) the address no longer fires', () => {
  const r = runCli([
    '--unsafe',
    '-e',
    `uprobe:${bin}:increment { @addr = arg0; } watchpoint:increment+arg0:4:w { @hits = count(); unwatch(@addr); ${goOn} } END { clear(@addr); }`,
    '-c',
    bin,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout), ['5', '@hits: 1'], r.stdout);
});

test('watchpoint:ADDR: unwatch of that address detaches it; other addresses are ignored', () => {
  const r = runCli([
    '--unsafe',
    '-e',
    `watchpoint:${globalAddr}:4:w { @hits = count(); unwatch(0x10); unwatch(${globalAddr}); ${goOn} }`,
    '-c',
    `${bin} global`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout), ['5', '@hits: 1'], r.stdout);
});

test('without unwatch every write is seen (the control case)', () => {
  const r = runCli([
    '--unsafe',
    '-e',
    `watchpoint:${globalAddr}:4:w { @hits = count(); if (@hits == 1) { ${goOn} } }`,
    '-c',
    `${bin} global`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout), ['5', '@hits: 5'], r.stdout);
});

test('unwatch() takes an address: integers and pointers, nothing else', () => {
  for (const ok of ['unwatch(0x1234)', '$x = 1; unwatch($x)', '@x = 1; @x++; unwatch(@x)', 'unwatch((int8 *)0x1000)']) {
    const r = compileText(`BEGIN { ${ok}; }`);
    assert.equal(r.errors, '', ok);
    assert.ok(r.script, ok);
  }
  for (const [bad, msg] of [
    ['unwatch("asdf")', /unwatch\(\) expects an address: an integer or a pointer \(string provided\)/],
    ['unwatch()', /unwatch/],
    ['printf("%d", unwatch(2))', /ERROR/],
  ] as const) {
    const r = compileText(`BEGIN { ${bad}; }`);
    assert.equal(r.script, null, bad);
    assert.match(r.errors, msg, bad);
  }
});
