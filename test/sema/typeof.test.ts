// typeof(): a type written as the static type of a type or an expression, usable where bpftrace
// 0.26 allows it (variable declarations, casts, sizeof/offsetof, macro type arguments), never
// evaluated. Cases follow bpftrace 0.26's type checker tests (typeof_decls, typeof_casts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Diagnostics } from '../../src/lang/diagnostics.ts';
import { parseScript } from '../../src/lang/frontend.ts';
import { printProgram } from '../../src/lang/printer.ts';
import type { Type } from '../../src/sema/types.ts';
import { compileText } from '../helpers/compile.ts';
import { isRoot, runCli } from '../helpers/run.ts';

/** Every variable's type after checking, by name (the last symbol of each name wins). */
function varTypes(script: string): Map<string, Type | null> {
  const r = compileText(script);
  assert.equal(r.errors, '', script);
  const out = new Map<string, Type | null>();
  for (const sym of r.script?.sema.vars.values() ?? []) out.set(sym.name, sym.type);
  return out;
}

test('typeof in declarations takes the type of a variable, a map, a field or a type', () => {
  const t = varTypes(
    'BEGIN { $x = (uint8)1; let $y: typeof($x); $y = (uint8)2; $s = "foo"; let $t: typeof($s); $t = "bar"; ' +
      '@a["hi", 2] = 1; let $k: typeof(@a) = ("hello", (int16)1); let $p: typeof(uint32 *) = (uint32 *)0; let $q: typeof(struct task_struct *) = curtask; }',
  );
  assert.deepEqual(t.get('y'), { kind: 'int', size: 1, signed: false });
  assert.deepEqual(t.get('t'), { kind: 'string', size: 4 });
  assert.equal(t.get('k')?.kind, 'tuple');
  assert.deepEqual(t.get('p'), { kind: 'pointer', to: { kind: 'int', size: 4, signed: false }, user: false });
  const q = t.get('q');
  assert.ok(q?.kind === 'pointer' && q.to.kind === 'struct' && q.to.name === 'struct task_struct');
});

test('typeof in declarations enforces the type', () => {
  assert.match(
    compileText('BEGIN { $x = (uint8)1; let $y : typeof($x); $y = "foo"; }').errors,
    // bpftrace 0.26's words and place (the whole assignment) for a declared type.
    /^stdin:1:45-55: ERROR: Type mismatch for \$y: trying to assign value of type 'string\[4\]' when variable already has a type 'uint8'\n/,
  );
  assert.match(
    compileText('BEGIN { $x = "foo"; let $y : typeof($x); $y = 2; }').errors,
    /^stdin:1:42-48: ERROR: Type mismatch for \$y: trying to assign value of type 'int8' when variable already has a type 'string\[4\]'\n/,
  );
});

test('typeof of a variable declared before it and typed after it', () => {
  // bpftrace 0.26: "ordering should not matter, as long as the scope is the same".
  let t = varTypes('BEGIN { let $x; let $y : typeof($x); $y = (uint8)2; $x = (uint8)1; }');
  assert.deepEqual(t.get('y'), { kind: 'int', size: 1, signed: false });
  t = varTypes('BEGIN { let $x; let $y : typeof($x); $y = "bar"; $x = "foo"; }');
  assert.deepEqual(t.get('y'), { kind: 'string', size: 4 });
  t = varTypes('BEGIN { let $x; let $y : typeof($x); $x = (int16)4; @s = sizeof($y); }');
  assert.deepEqual(t.get('y'), { kind: 'int', size: 2, signed: true });
  assert.match(
    compileText('BEGIN { let $x; let $y : typeof($x); $y = "bar"; $x = 1; }').errors,
    /^stdin:1:38-48: ERROR: Type mismatch for \$y: trying to assign value of type 'string\[4\]' when variable already has a type 'int8'\n/,
  );
  assert.match(
    compileText('BEGIN { let $x; let $y : typeof($x); $y = 1; }').errors,
    /^stdin:1:26-36: ERROR: Type cannot be resolved: \$x is never assigned\n/,
  );
});

test('typeof in casts, of variables, scalar map values and map keys', () => {
  const t = varTypes(
    'BEGIN { $x = (uint8)1; $y = (typeof($x))10; @s = (int8)3; $z = (typeof(@s))2; @m[(int32)2] = (int8)10; $w = (typeof(@m[1]))2; $ptr = (typeof($x) *)0; }',
  );
  assert.deepEqual(t.get('y'), { kind: 'int', size: 1, signed: false });
  // Map values keep their integer's size (0.26).
  assert.deepEqual(t.get('z'), { kind: 'int', size: 1, signed: true });
  assert.deepEqual(t.get('w'), { kind: 'int', size: 1, signed: true });
  assert.deepEqual(t.get('ptr'), { kind: 'pointer', to: { kind: 'int', size: 1, signed: false }, user: false });
});

test('a cast to typeof a struct value is refused as 0.26 refuses it', () => {
  assert.match(
    compileText('struct foo { int x; } BEGIN { $x = (struct foo*)0; $y = (typeof(*$x))0; }').errors,
    /^stdin:1:57-71: ERROR: Cannot cast from "int8" to "struct foo"\n/,
  );
});

test('sizeof and offsetof of a typeof', () => {
  const r = compileText(
    'struct S { int a; long b; } BEGIN { $x = (int16)1; @a = sizeof(typeof($x)); @b = sizeof(typeof(comm)); @c = offsetof(typeof(*(struct S *)0), b); @d = sizeof(typeof(uint64[3])); }',
  );
  assert.equal(r.errors, '');
});

test('typeof of a map used before any assignment is an error, not a scalar use', () => {
  assert.match(
    compileText('BEGIN { $a = (typeof(@x))2; @x[1] = 1; }').errors,
    /^stdin:1:22-24: ERROR: Undefined map: @x\n[\s\S]*HINT: typeof\(\) needs the map to be used before this point/,
  );
});

test('typeof has no value', () => {
  assert.equal(
    compileText('BEGIN { $x = typeof(1); }').errors,
    'stdin:1:14-23: ERROR: typeof() can only be used in variable declarations, casts, sizeof/offsetof and macro arguments\n' +
      'BEGIN { $x = typeof(1); }\n             ~~~~~~~~~\nHINT: e.g. `let $y: typeof($x);` or `(typeof($x))1`\n',
  );
});

test('typeof passes types and expressions through macros', () => {
  const t = varTypes(
    'macro decl(x) { let $y: typeof(x); $y = 1; $y } macro pc(a, b) { (a *)b } BEGIN { $v = (int16)3; $r = decl($v); $p = pc(typeof(uint8), 0); }',
  );
  assert.deepEqual(t.get('r'), { kind: 'int', size: 2, signed: true });
  assert.deepEqual(t.get('p'), { kind: 'pointer', to: { kind: 'int', size: 1, signed: false }, user: false });
});

test('--fmt prints typeof types back', () => {
  const text = 'BEGIN { let $y: typeof($x + 1) = 2; $z = (typeof(@m[1]) *)0; @s = sizeof(typeof(comm)); }';
  const source = { name: 'stdin', text };
  assert.equal(
    printProgram(parseScript(source, new Diagnostics(source)), {}),
    'BEGIN\n{\n  let $y: typeof($x + 1) = 2;\n  $z = (typeof(@m[1]) *)0;\n  @s = sizeof(typeof(comm));\n}\n',
  );
});

test('typeof of a tracepoint field in a real run', { skip: !isRoot && 'needs root' }, () => {
  const r = runCli([
    '-e',
    'tracepoint:syscalls:sys_enter_openat { let $f: typeof(args.flags) = 3; $n = (typeof(args.dfd))-1; printf("%d %d %d %d\\n", sizeof($f), sizeof(typeof(args.filename)), $n, $f); exit(); }',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '4 8 -1 3\n\n\n');
});
