// == and != on tuples, records and integer arrays (bpftrace 0.26 language.md, "Relational
// Operators"): member by member, by value; real runs.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileError, output } from '../builtins/run-script.ts';
import { shellCommand } from '../helpers/run.ts';

test('tuples: nested, with strings and integers of different widths', () => {
  const out = output(
    'BEGIN { $a = (1, (2, "x")); $b = (1, (2, "x")); $c = (1, (3, "x")); $n = (int8)-1;' +
      ' print($a == $b); print($a != $c); print((1, "a") == (1, "b")); print(((int64)-1, 2) == ($n, 2)); exit(); }',
  );
  assert.equal(out, 'true\ntrue\nfalse\ntrue\n\n\n');
});

test('records compare by field name; map values compare with literals', () => {
  const out = output(
    'BEGIN { $r = (a=1, b="x"); $s = (b="x", a=1); print($r == $s); @m[1] = (5, "q"); if (@m[1] == (5, "q")) { printf("map eq\\n"); } clear(@m); exit(); }',
  );
  assert.equal(out, 'true\nmap eq\n\n\n');
});

test('tracepoint integer arrays', () => {
  const out = output(
    'tracepoint:sock:inet_sock_set_state /args.newstate == 2 && args.dport == 9/ { print(args.saddr == args.daddr); print(args.saddr_v6 != args.daddr_v6); exit(); }',
    { command: shellCommand('exec 3<>/dev/tcp/127.0.0.1/9 || true', '/bin/bash') },
  );
  assert.equal(out, 'true\nfalse\n\n\n');
});

test('mismatched shapes are type errors', () => {
  assert.match(
    compileError('BEGIN { print((1, 2) == (1, "a")); }'),
    /Type mismatch for '==': comparing '\(int8,int8\)' with '\(int8,string\[2\]\)'/,
  );
  assert.match(compileError('BEGIN { print((1, 2) == 1); }'), /Type mismatch for '==': comparing '\(int8,int8\)' with 'int8'/);
});
