// strerror(), signal_name() and syscall_name(): real kernel runs through the CLI. Expected texts
// are bpftrace 0.26's (its stdlib tables and tests/runtime/stdlib); 0.17 only has strerror(),
// resolved with glibc in user space, and prints the same "No such file or directory" for
// strerror(2) with printf("%s") and print() (checked by hand against Debian's 0.17).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERRNO_TEXTS, signalText, syscallText } from '../../src/builtins/name-texts.ts';
import { runCli } from '../helpers/run.ts';
import { compileError, output } from './run-script.ts';

test('texts: errno, signal and syscall tables', () => {
  assert.equal(ERRNO_TEXTS.get(0), 'Success');
  assert.equal(ERRNO_TEXTS.get(9), 'Bad file number');
  assert.equal(ERRNO_TEXTS.get(41), undefined);
  assert.equal(ERRNO_TEXTS.get(133), 'Memory page has hardware error');
  assert.equal(signalText(9), 'Killed');
  assert.equal(signalText(33), 'Unknown signal 33');
  assert.equal(signalText(64), 'Real-time signal 30');
  assert.equal(signalText(65), null);
  assert.equal(syscallText(0), 'read');
  assert.equal(syscallText(547), 'pwritev2');
  assert.equal(syscallText(400), null);
});

test('print, printf and tuples of looked-up names (bpftrace 0.26 runtime tests)', () => {
  const out = output(
    'BEGIN { print(strerror(22)); print(signal_name(2)); print(signal_name(0)); print(signal_name(1024)); ' +
      'printf("%s|%s|%s|%s\\n", strerror(-13), strerror(41), strerror(0), strerror(500)); ' +
      '$n = 59; printf("%s %s %s\\n", syscall_name($n), syscall_name(-1), syscall_name(1023)); ' +
      'print((signal_name(9), syscall_name(0))); exit(); }',
  );
  assert.equal(
    out,
    'Invalid argument\nInterrupt\nUnknown signal 0\nN/A\n' +
      'Permission denied|Unknown error|Success|Unknown error\n' +
      'execve Unknown syscall Unknown syscall\n' +
      '(Killed, read)\n\n\n',
  );
});

test('names are strings: comparisons, strlen, map keys and JSON', () => {
  const out = output(
    'BEGIN { if (strerror(2) == "No such file or directory") { printf("eq\\n"); } printf("%d\\n", strlen(signal_name(15))); ' +
      '@[syscall_name(1)] = count(); @[syscall_name(1)] = count(); exit(); }',
  );
  assert.equal(out, 'eq\n10\n\n\n@[write]: 2\n');
  const json = runCli(['-f', 'json', '-e', 'BEGIN { print(strerror(2)); @[signal_name(15)] = 1; exit(); }']);
  assert.equal(json.code, 0, json.stderr);
  assert.match(json.stdout, /^\{"type": "value", "data": "No such file or directory"\}$/m);
  assert.match(json.stdout, /^\{"type": "map", "data": \{"@": \{"Terminated": 1\}\}\}$/m);
});

test('a real failed openat is named by strerror, its syscalls by syscall_name', () => {
  const out = output(
    'tracepoint:syscalls:sys_exit_openat /pid == cpid && args.ret < 0/ { printf("err %s\\n", strerror(args.ret)); } ' +
      'tracepoint:raw_syscalls:sys_enter /pid == cpid/ { @[syscall_name(args.id)] = count(); }',
    { command: '/bin/cat /nonexistent-bt-name-lookup' },
  );
  assert.match(out, /^err No such file or directory$/m);
  assert.match(out, /^@\[openat\]: \d+$/m);
  assert.match(out, /^@\[exit_group\]: 1$/m);
});

test('name lookup errors', () => {
  assert.match(
    compileError('BEGIN { print(strerror("x")); }'),
    /^stdin:1:24-27: ERROR: strerror\(\) expects an integer argument \(string provided\)$/m,
  );
  assert.match(compileError('BEGIN { print(signal_name()); }'), /ERROR: signal_name\(\) requires 1 argument \(0 provided\)/);
});
