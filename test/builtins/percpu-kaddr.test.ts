// percpu_kaddr(): per-CPU kernel variables through BTF ksyms. The kernel resolves a ksym's
// address with kallsyms, which lists data symbols only with CONFIG_KALLSYMS_ALL: where it does,
// the script reads x86's per-CPU `cpu_number` (each CPU's copy holds that CPU's number) and
// `runqueues` (struct rq, whose `cpu` member is its CPU); where it does not (the development
// host), the clear compile-time error is what is checked.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kaddr } from '../../src/runtime/ksyms.ts';
import { isRoot } from '../helpers/run.ts';
import { compileError, output } from './run-script.ts';

test('percpu_kaddr argument errors', () => {
  assert.match(
    compileError('BEGIN { percpu_kaddr(comm); }'),
    /^stdin:1:22-26: ERROR: percpu_kaddr\(\) expects a string literal as its first argument$/m,
  );
  assert.match(
    compileError('BEGIN { percpu_kaddr("no_such_percpu_var_x"); }'),
    /^stdin:1:9-45: ERROR: Could not resolve variable "no_such_percpu_var_x" from BTF\n[\s\S]*HINT: /m,
  );
  assert.match(
    compileError('BEGIN { percpu_kaddr("cpu_number", "x"); }'),
    /ERROR: percpu_kaddr\(\) expects an integer CPU number \(string provided\)/,
  );
});

const haveKsyms = isRoot && kaddr('cpu_number') !== null && kaddr('runqueues') !== null;

test('without data symbols in kallsyms the kernel cannot resolve ksyms: a clear error', {
  skip: haveKsyms && 'this kernel lists data symbols',
}, () => {
  assert.match(
    compileError('BEGIN { $p = percpu_kaddr("cpu_number"); }'),
    /^stdin:1:14-40: ERROR: The kernel cannot resolve the address of per-CPU variable "cpu_number": it is not in \/proc\/kallsyms\n[\s\S]*HINT: programs that use kernel variables need a kernel built with CONFIG_KALLSYMS_ALL$/m,
  );
});

test('percpu_kaddr reads this and other CPUs copies', {
  skip: !haveKsyms && 'needs root and data symbols in /proc/kallsyms (CONFIG_KALLSYMS_ALL)',
}, () => {
  const out = output(`BEGIN {
    $me = (int32 *)percpu_kaddr("cpu_number");
    $zero = (int32 *)percpu_kaddr("cpu_number", 0);
    $none = percpu_kaddr("cpu_number", 100000);
    $rq = (struct rq *)percpu_kaddr("runqueues", 0);
    printf("%d %d %d %d\\n", *$me == (int32)cpu, *$zero, $none == 0, $me != 0);
    if ($rq != 0) { printf("rq %d\\n", $rq->cpu); }
    exit();
  }`);
  assert.equal(out, '1 0 1 1\nrq 0\n\n\n');
});
