import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Probe, Stmt } from '../../src/lang/ast.ts';
import { exprOf, firstProbe, parseOk, parseText, shape, stmtsOf } from './helpers.ts';

const s = (text: string): string => shape(exprOf(text));

describe('parser: expression precedence and associativity', () => {
  it('follows C precedence', () => {
    assert.equal(s('1 + 2 * 3'), '(1 + (2 * 3))');
    assert.equal(s('1 * 2 + 3'), '((1 * 2) + 3)');
    assert.equal(s('1 << 2 + 3'), '(1 << (2 + 3))');
    assert.equal(s('1 < 2 == 3 > 4'), '((1 < 2) == (3 > 4))');
    assert.equal(s('a & b ^ c | d'), '(((a & b) ^ c) | d)');
    assert.equal(s('a || b && c'), '(a || (b && c))');
    assert.equal(s('a == 1 && b != 2 || c'), '(((a == 1) && (b != 2)) || c)');
  });

  it('is left-associative for binary operators', () => {
    assert.equal(s('1 - 2 - 3'), '((1 - 2) - 3)');
    assert.equal(s('8 / 4 / 2'), '((8 / 4) / 2)');
    assert.equal(s('1 << 2 >> 3'), '((1 << 2) >> 3)');
  });

  it('is right-associative for the ternary', () => {
    assert.equal(s('a ? b : c ? d : e'), '(a ? b : (c ? d : e))');
    assert.equal(s('a ? b ? c : d : e'), '(a ? (b ? c : d) : e)');
    assert.equal(s('a || b ? 1 : 2'), '((a || b) ? 1 : 2)');
  });

  it('parses the short ternary by repeating the condition', () => {
    assert.equal(s('$x ?: 3'), '($x ? $x : 3)');
  });

  it('binds unary operators tighter than binary ones', () => {
    assert.equal(s('-1 + 2'), '((-1) + 2)');
    assert.equal(s('!a && b'), '((!a) && b)');
    assert.equal(s('~a | b'), '((~a) | b)');
    assert.equal(s('*p * 2'), '((*p) * 2)');
    assert.equal(s('- -1'), '(-(-1))');
    assert.equal(s('&$x'), '(&$x)');
  });

  it('tells deref from multiplication', () => {
    assert.equal(s('a * *b'), '(a * (*b))');
    assert.equal(s('**(int64**)reg("sp")'), '(*(*cast<int64**>(reg("sp"))))');
  });

  it('parses postfix chains', () => {
    assert.equal(s('args->filename'), 'args->filename');
    assert.equal(s('args.filename'), 'args.filename');
    assert.equal(s('$t.0'), '$t.0');
    assert.equal(s('$kv.0.1'), '$kv.0.1');
    assert.equal(s('$s.y[0]'), '$s.y[0]');
    assert.equal(s('curtask->real_parent->comm'), 'curtask->real_parent->comm');
    assert.equal(s('@m[1].a'), '@m[1].a');
    assert.equal(s('"abc"[0]'), '"abc"[0]');
  });

  it('parses increments', () => {
    assert.equal(s('$x++'), '($x++)');
    assert.equal(s('--@m[1]'), '(--@m[1])');
    assert.equal(s('$x++ + 1'), '(($x++) + 1)');
  });
});

describe('parser: casts, tuples, records and type arguments', () => {
  it('recognises casts to known types', () => {
    assert.equal(s('(uint32)x'), 'cast<uint32>(x)');
    assert.equal(s('(struct task_struct *)curtask'), 'cast<struct task_struct*>(curtask)');
    assert.equal(s('(int8[4])12345'), 'cast<int8[4]>(12345)');
    assert.equal(s('(int8[])"abc"'), 'cast<int8[0]>("abc")');
    assert.equal(s('(unsigned long)arg0'), 'cast<unsigned long>(arg0)');
    assert.equal(s('(uint64)-1'), 'cast<uint64>((-1))');
    assert.equal(s('(uint64)$a - 1'), '(cast<uint64>($a) - 1)');
    assert.equal(s('(struct S**)arg0'), 'cast<struct S**>(arg0)');
  });

  it('keeps parenthesised builtins and values as grouping', () => {
    assert.equal(s('(pid)*tid'), '(pid * tid)');
    assert.equal(s('(arg0) - 1'), '(arg0 - 1)');
    assert.equal(s('($x) * 2'), '($x * 2)');
    assert.equal(s('(1 + 2) * 3'), '((1 + 2) * 3)');
    assert.equal(s('(x)'), 'x');
  });

  it('treats (name) before an operand as a cast, as bpftrace does', () => {
    assert.equal(s('(myident)*arg0'), 'cast<myident>((*arg0))');
    assert.equal(s('(uint64_t)1'), 'cast<uint64_t>(1)');
  });

  it('parses tuples and records', () => {
    assert.equal(s('(1, "a")'), 'tuple(1, "a")');
    assert.equal(s('(1,)'), 'tuple(1)');
    assert.equal(s('()'), 'tuple()');
    assert.equal(s('(1, 2,)'), 'tuple(1, 2)');
    assert.equal(s('(a = 1, b = "x")'), 'record(a=1, b="x")');
    assert.equal(s('((1, 2), 3)'), 'tuple(tuple(1, 2), 3)');
  });

  it('parses sizeof, offsetof and typeof with types or expressions', () => {
    assert.equal(s('sizeof(struct task_struct)'), 'sizeof(type struct task_struct)');
    assert.equal(s('sizeof(uint32)'), 'sizeof(type uint32)');
    assert.equal(s('sizeof($x)'), 'sizeof($x)');
    assert.equal(s('sizeof(x)'), 'sizeof(x)');
    assert.equal(s('sizeof(x[1])'), 'sizeof(type x)');
    assert.equal(s('sizeof((x)[1])'), 'sizeof(x[1])');
    assert.equal(s('offsetof(struct task_struct, se.vruntime)'), 'offsetof(type struct task_struct, se.vruntime)');
    assert.equal(s('offsetof($s, a)'), 'offsetof($s, a)');
    assert.equal(s('typeof(uint8)'), 'typeof(type uint8)');
    assert.equal(s('typeof(@m)'), 'typeof(@m)');
  });

  it('parses map accesses, calls and block expressions', () => {
    assert.equal(s('@m[pid, comm]'), '@m[pid, comm]');
    assert.equal(s('@m[(1, 2)]'), '@m[tuple(1, 2)]');
    assert.equal(s('@'), '@');
    assert.equal(s('count()'), 'count()');
    assert.equal(s('hist(arg2, 2)'), 'hist(arg2, 2)');
    assert.equal(s('{ let $b = 1; $b }'), '{1 stmts; $b}');
    assert.equal(s('greet!()'), 'greet()');
    assert.equal(s('$1 + $#'), '($1 + $#)');
    assert.equal(s('true && false'), '(true && false)');
  });

  it('turns an if used as a value into a ternary over blocks', () => {
    assert.equal(s('if $x { 1 } else { 2 }'), '($x ? {0 stmts; 1} : {0 stmts; 2})');
    assert.equal(s('if ($x) { 1 } else if ($y) { 2 } else { 3 }'), '($x ? {0 stmts; 1} : ($y ? {0 stmts; 2} : {0 stmts; 3}))');
  });
});

function kinds(stmts: Stmt[]): string[] {
  return stmts.map((x) => x.kind);
}

describe('parser: statements', () => {
  it('parses every statement kind', () => {
    const st = stmtsOf(`
      $x = 1; @m[1] += 2; $x <<= 1; let $y; let $z: uint32 = 5;
      if ($x) { } else if ($y) { } else { }
      while ($x < 5) { $x++; }
      for ($kv : @m) { continue; }
      for ($i : 0..10) { break; }
      unroll(3) { }
      { $q = 1; }
      _ = has_key(@m, 1);
      print($x);
      return;
    `);
    assert.deepEqual(kinds(st), [
      'AssignStmt',
      'AssignStmt',
      'AssignStmt',
      'VarDeclStmt',
      'VarDeclStmt',
      'IfStmt',
      'WhileStmt',
      'ForMapStmt',
      'ForRangeStmt',
      'UnrollStmt',
      'Block',
      'AssignStmt',
      'ExprStmt',
      'ReturnStmt',
    ]);
    const ifs = st[5];
    assert.ok(ifs?.kind === 'IfStmt' && ifs.else?.kind === 'IfStmt' && ifs.else.else?.kind === 'Block');
    const decl = st[4];
    assert.ok(decl?.kind === 'VarDeclStmt' && decl.declaredType?.name === 'uint32' && decl.value !== null);
  });

  it('accepts the last statement without ;', () => {
    assert.deepEqual(kinds(stmtsOf('$x = 1; print($x)')), ['AssignStmt', 'ExprStmt']);
    assert.deepEqual(kinds(stmtsOf('@x = count()')), ['AssignStmt']);
  });

  it('parses for loops with and without parentheses', () => {
    const a = stmtsOf('for $j : ((uint64)0)..((uint64)10) { }')[0];
    assert.ok(a?.kind === 'ForRangeStmt');
    assert.equal(shape(a.start), 'cast<uint64>(0)');
    const b = stmtsOf('for ($kv : @map) { print($kv.1); }')[0];
    assert.ok(b?.kind === 'ForMapStmt' && b.map.name === 'map' && b.variable.name === 'kv');
  });

  it('parses if without parentheses around the condition', () => {
    const st = stmtsOf('if $x > 1 { print(1); }')[0];
    assert.ok(st?.kind === 'IfStmt');
    assert.equal(shape(st.cond), '($x > 1)');
  });

  it('parses return with a value', () => {
    const st = stmtsOf('return 1')[0];
    assert.ok(st?.kind === 'ReturnStmt' && st.value !== null);
  });

  it('marks discards as assignments to _', () => {
    const st = stmtsOf('_ = delete(@a, 1);')[0];
    assert.ok(st?.kind === 'AssignStmt' && st.target.kind === 'Identifier' && st.target.name === '_');
  });
});

describe('parser: top level', () => {
  it('parses every item kind', () => {
    const p = parseOk(`#include <linux/sched.h>
#include "my.h"
#define RED "\\033[31m"
struct S { int x; }
union U { int a; char b; };
enum E { A, B };
typedef unsigned int u32_t;
config = { stack_mode = perf; max_map_keys = 2; missing_probes = "warn"; print_maps_on_exit = false }
import "helpers.bt";
let @a = lruhash(100);
macro one() { 1 }
macro add($a, @b, c) { $a += c; @b += 1; }
begin { }
`);
    assert.deepEqual(
      p.items.map((i) => i.kind),
      [
        'Include',
        'Include',
        'CDefinition',
        'CDefinition',
        'CDefinition',
        'CDefinition',
        'CDefinition',
        'ConfigBlock',
        'Import',
        'MapDecl',
        'MacroDef',
        'MacroDef',
        'Probe',
      ],
    );
    const [inc1, inc2, def, st] = p.items;
    assert.ok(inc1?.kind === 'Include' && inc1.system && inc1.path === 'linux/sched.h');
    assert.ok(inc2?.kind === 'Include' && !inc2.system && inc2.path === 'my.h');
    assert.ok(def?.kind === 'CDefinition' && def.text === '#define RED "\\033[31m"');
    assert.ok(st?.kind === 'CDefinition' && st.text === 'struct S { int x; };');
    const cfg = p.items[7];
    assert.ok(cfg?.kind === 'ConfigBlock');
    assert.deepEqual(
      cfg.entries.map((e) => [e.key, e.value.kind]),
      [
        ['stack_mode', 'Identifier'],
        ['max_map_keys', 'IntegerLit'],
        ['missing_probes', 'StringLit'],
        ['print_maps_on_exit', 'BoolLit'],
      ],
    );
    const m = p.items[11];
    assert.ok(m?.kind === 'MacroDef');
    assert.deepEqual(
      m.params.map((x) => x.kind),
      ['Variable', 'MapRef', 'Identifier'],
    );
    const one = p.items[10];
    assert.ok(one?.kind === 'MacroDef' && one.value?.kind === 'IntegerLit' && one.body.stmts.length === 0);
    const decl = p.items[9];
    assert.ok(decl?.kind === 'MapDecl' && decl.name === 'a' && decl.mapKind === 'lruhash' && decl.args.length === 1);
  });

  it('keeps C definitions with attributes', () => {
    const p = parseOk('struct __attribute__((packed)) P { char c; int x; } __attribute__((aligned(8)));\nbegin {}');
    const d = p.items[0];
    assert.ok(d?.kind === 'CDefinition');
    assert.equal(d.text, 'struct __attribute__((packed)) P { char c; int x; } __attribute__((aligned(8)));');
  });

  it('accepts a macro without a parameter list', () => {
    const p = parseOk('macro greet { print("hi"); }\nbegin { greet!(); }');
    assert.ok(p.items[0]?.kind === 'MacroDef' && p.items[0].params.length === 0);
  });
});

function aps(text: string): string[] {
  const probes = parseOk(text).items.filter((i): i is Probe => i.kind === 'Probe');
  return probes.flatMap((p) => p.attachPoints.map((a) => a.raw));
}

describe('parser: attach points', () => {
  it('keeps attach points as written', () => {
    const cases = [
      'kprobe:do_sys_open',
      'k:vfs_*',
      'kretprobe:tcp_v?_connect',
      'kprobe:{vfs_read,vfs_write}',
      'uprobe:/bin/bash:readline',
      'uprobe:"/my path/x":f',
      'uprobe:/bin/x:cpp:"ns::f"',
      'uprobe:/lib/x.so:malloc+0x10',
      'uprobe:./a/b-c.so:f',
      'uprobe:/usr/lib/*/libc.so.6:malloc',
      'kprobe:0xffffffff81000000',
      'usdt:/bin/x:prov:name',
      'tracepoint:syscalls:sys_enter_*',
      'rawtracepoint:sched_switch',
      'fentry:tcp_reset',
      'fexit:vmlinux:fget',
      'kfunc:x',
      'profile:hz:99',
      'interval:100ms',
      'interval:s:1',
      'i:ms:10',
      'software:cpu-clock:1e6',
      'hardware:cache-misses:1e6',
      'hardware:cycles:',
      'watchpoint:0x1000:8:rw',
      'asyncwatchpoint:0x1000:8:w',
      'iter:task_file:/sys/fs/bpf/files',
      'BEGIN',
      'END',
      'begin',
      'self:signal:SIGUSR1',
      'test:okay',
      'bench:lhist',
      'name=kprobe:f',
      'uprobe:$1:func',
      'uprobe:/bin/bash@readline.c:362',
    ];
    for (const c of cases) assert.deepEqual(aps(`${c} { }`), [c], c);
  });

  it('finds the predicate after an attach point', () => {
    const p = firstProbe(parseOk('kprobe:vfs_read/arg2 < 16/ { }'));
    assert.deepEqual(
      p.attachPoints.map((a) => a.raw),
      ['kprobe:vfs_read'],
    );
    assert.equal(p.predicate && shape(p.predicate), '(arg2 < 16)');
    const q = firstProbe(parseOk('uprobe:/bin/bash:readline /pid == 1/ { }'));
    assert.deepEqual(
      q.attachPoints.map((a) => a.raw),
      ['uprobe:/bin/bash:readline'],
    );
    const r = firstProbe(parseOk('iter:task_file:/sys/fs/bpf/files /pid == 1/ { }'));
    assert.deepEqual(
      r.attachPoints.map((a) => a.raw),
      ['iter:task_file:/sys/fs/bpf/files'],
    );
  });

  it('tells division inside a predicate from its end', () => {
    const p = firstProbe(parseOk('kprobe:f /arg0 / 2 > 1/ { }'));
    assert.equal(p.predicate && shape(p.predicate), '((arg0 / 2) > 1)');
    const q = firstProbe(parseOk('kprobe:f /arg0/ /* why */ { }'));
    assert.equal(q.predicate && shape(q.predicate), 'arg0');
  });

  it('splits comma-separated attach points, across lines, with a trailing comma', () => {
    assert.deepEqual(aps('kprobe:a,kprobe:b { }'), ['kprobe:a', 'kprobe:b']);
    assert.deepEqual(aps('tracepoint:syscalls:sys_enter_open,\n  tracepoint:syscalls:sys_enter_openat\n{ }'), [
      'tracepoint:syscalls:sys_enter_open',
      'tracepoint:syscalls:sys_enter_openat',
    ]);
    assert.deepEqual(aps('kprobe:a, kprobe:b, { }'), ['kprobe:a', 'kprobe:b']);
    assert.deepEqual(aps('BEGIN,END{}'), ['BEGIN', 'END']);
  });

  it('accepts every provider and alias', () => {
    const names =
      'kprobe k kretprobe kr uprobe u uretprobe ur usdt U tracepoint t rawtracepoint rt fentry f kfunc fexit fr kretfunc profile p interval i software s hardware h watchpoint w asyncwatchpoint aw iter it BEGIN begin END end self test bench';
    for (const n of names.split(' ')) assert.deepEqual(parseText(`${n}:x { }`).errors, '', n);
  });
});

describe('parser: spans', () => {
  it('gives byte ranges of the source text', () => {
    const text = 'begin { $x = foo(1, "ab") + @m[2]; }';
    const st = firstProbe(parseOk(text)).body.stmts[0];
    assert.ok(st?.kind === 'AssignStmt');
    const at = (sp: { start: number; end: number }): string => text.slice(sp.start, sp.end);
    assert.equal(at(st.span), '$x = foo(1, "ab") + @m[2]'); // as bpftrace: without the ';'
    assert.equal(at(st.opSpan), '=');
    assert.equal(at(st.target.span), '$x');
    assert.equal(at(st.value.span), 'foo(1, "ab") + @m[2]');
    assert.ok(st.value.kind === 'Binary');
    const call = st.value.left;
    assert.ok(call.kind === 'Call');
    assert.equal(at(call.calleeSpan), 'foo');
    assert.equal(at(call.args[1]?.span ?? call.span), '"ab"');
    assert.equal(at(st.value.right.span), '@m[2]');
  });

  it('gives unique ids', () => {
    const p = parseOk('begin { $x = 1 + 2; print($x); } end { exit(); }');
    const ids = new Set<number>();
    const walk = (n: unknown): void => {
      if (n && typeof n === 'object') {
        const o = n as Record<string, unknown>;
        if (typeof o.id === 'number') {
          assert.ok(!ids.has(o.id), `duplicate id ${o.id}`);
          ids.add(o.id);
        }
        for (const v of Object.values(o)) walk(v);
      }
    };
    walk(p);
    assert.ok(ids.size > 10);
  });
});
