// struct definitions written in the script, used through pointers into a traced program.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ROOT, runCli } from '../helpers/run.ts';

const bin = join(ROOT, 'test', 'progs', 'build', 'structs');

before(() => {
  mkdirSync(join(ROOT, 'test', 'progs', 'build'), { recursive: true });
  execFileSync('gcc', ['-O0', '-o', bin, join(ROOT, 'test', 'progs', 'structs.c')]);
});

test('a script-defined struct laid out as C does: members, nested pointers, char arrays, sizeof', () => {
  const script = `struct point { int x; long y; char name[8]; struct point *next; }
uprobe:${bin}:show {
  $p = (struct point *)arg0;
  printf("%d %d %s %d %s %d %d\\n", $p->x, $p->y, $p->name, $p->next->x, $p->next->name, sizeof(struct point), offsetof(struct point, next));
}`;
  const r = runCli(['-e', script, '-c', bin]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '3 40 abc 7 bee 32 24\n\n\n');
});

test('an unknown member of a script struct is a clear error', () => {
  const r = runCli(['-e', `struct point { int x; } uprobe:${bin}:show { $p = (struct point *)arg0; printf("%d\\n", $p->z); }`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Struct\/union of type 'struct point' does not contain a field named 'z'/);
});

test('__attribute__((packed)) and aligned(N) after a script struct lay it out as gcc does', () => {
  const defs =
    'struct foo { int x; char y; int z; } struct bar { int x; char y; int z; } __attribute__((packed)) ' +
    'struct bar2 { int x; char y; int z; } /* c */ __attribute__ /* c */ ((packed)) __attribute__((aligned(2))) ' +
    'struct bar3 { char c; int x; } __attribute__((aligned(16)));';
  const r = runCli([
    '-e',
    `${defs} BEGIN { printf("%d %d %d %d %d\\n", sizeof(struct foo), sizeof(struct bar), offsetof(struct bar, z), sizeof(struct bar2), sizeof(struct bar3)); exit(); }`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  // gcc: 12, 9 (z at 5), 10 (packed, then aligned to 2), 16.
  assert.equal(r.stdout, '12 9 5 10 16\n\n\n');
});

test('bitfields in script structs are laid out as gcc does (units, `: 0`, mixed widths) and read back', () => {
  const src = join(ROOT, 'test', 'progs', 'bitfields.c');
  const prog = join(ROOT, 'test', 'progs', 'build', 'bitfields');
  execFileSync('gcc', ['-O0', '-o', prog, src]);
  // The program prints gcc's sizes of both structs.
  const [flagsSize, mixedSize] = execFileSync(prog, { encoding: 'latin1' }).trim().split(' ');
  const defs =
    'struct flags { unsigned int lo : 3, mid : 9, one : 1, rest : 19; unsigned char tag; unsigned long long wide : 40, : 0, after : 7; } ' +
    'struct mixed { unsigned short s1 : 5, s2 : 10; unsigned int i1 : 20, i2 : 12; }';
  const r = runCli([
    '-e',
    `${defs} uprobe:${prog}:take_flags { $f = (struct flags *)arg0; printf("%d %d %d %d %d %lu %d %d\\n", $f->lo, $f->mid, $f->one, $f->rest, $f->tag, $f->wide, $f->after, sizeof(struct flags)); } ` +
      `uprobe:${prog}:take_mixed { $m = (struct mixed *)arg0; printf("%d %d %d %d %d\\n", $m->s1, $m->s2, $m->i1, $m->i2, sizeof(struct mixed)); print(*$m); }`,
    '-c',
    prog,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `${flagsSize} ${mixedSize}\n5 300 1 400000 77 1099511627000 99 ${flagsSize}\n17 1000 1048000 4000 ${mixedSize}\n{ .s1 = 17, .s2 = 1000, .i1 = 1048000, .i2 = 4000 }\n\n\n`,
  );
});

test('a char array filled to its last byte prints whole, without the str() truncation trailer; reg("pc") is ip', () => {
  const src = join(ROOT, 'test', 'progs', 'build', 'fullchars.c');
  const prog = join(ROOT, 'test', 'progs', 'build', 'fullchars');
  writeFileSync(
    src,
    'struct F { char s[5]; };\nvoid __attribute__((noinline)) take(struct F *f) { (void)f; }\n' +
      "int main(void) { struct F f = { { 'h', 'e', 'l', 'l', 'o' } }; take(&f); return 0; }\n",
  );
  execFileSync('gcc', ['-O0', '-o', prog, src]);
  const r = runCli([
    '-e',
    `struct F { char s[5]; } uprobe:${prog}:take { $a = ((struct F *)arg0)->s; printf("%s %s\\n", $a, $a); print(reg("pc") == reg("ip")); }`,
    '-c',
    prog,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hello hello\ntrue\n\n\n');
});

test('float, double and long double members: laid out as gcc does, printed as null (text and JSON), never read', () => {
  const prog = join(ROOT, 'test', 'progs', 'build', 'floats');
  execFileSync('gcc', ['-O0', '-g', '-o', prog, join(ROOT, 'test', 'progs', 'floats.c')]);
  // The program prints gcc's sizeof(struct measure) and offsetof(struct measure, tail).
  const gccLayout = execFileSync(prog, { encoding: 'latin1' }).trim();
  const def = 'struct measure { char id; float f; double d; long double ld; int tail; union { int i; float g; } u; float v[2]; }';
  const script = `${def} uprobe:${prog}:take { $m = (struct measure *)arg0; printf("%d %d %d\\n", sizeof(struct measure), offsetof(struct measure, tail), $m->tail); print(*$m); }`;
  const r = runCli(['-e', script, '-c', prog]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.ok(lines.includes(`${gccLayout} 9`), r.stdout);
  assert.ok(
    lines.includes('{ .id = 7, .f = null, .d = null, .ld = null, .tail = 9, .u = { .i = 5, .g = null }, .v = [null,null] }'),
    r.stdout,
  );

  const json = runCli(['-f', 'json', '-e', `${def} uprobe:${prog}:take { print(*((struct measure *)arg0)); }`, '-c', prog]);
  assert.equal(json.code, 0, json.stderr);
  assert.ok(
    json.stdout
      .split('\n')
      .includes(
        '{"type": "value", "data": {"id": 7, "f": null, "d": null, "ld": null, "tail": 9, "u": {"i": 5, "g": null}, "v": [null,null]}}',
      ),
    json.stdout,
  );

  // The same struct through the binary's DWARF (args.m) prints the same way.
  const dwarf = runCli(['-e', `uprobe:${prog}:take { print(*args.m); }`, '-c', prog]);
  assert.equal(dwarf.code, 0, dwarf.stderr);
  assert.ok(
    dwarf.stdout
      .split('\n')
      .includes('{ .id = 7, .f = null, .d = null, .ld = null, .tail = 9, .u = { .i = 5, .g = null }, .v = [null,null] }'),
    dwarf.stdout,
  );
});

test('reading a floating-point member, element or pointee is an error with a hint', () => {
  const def = 'struct measure { int id; float f; double v[2]; float *p; }';
  for (const [expr, type] of [
    ['$m->f', 'float'],
    ['$m->v[1]', 'double'],
    ['*$m->p', 'float'],
  ]) {
    const r = runCli(['--dry-run', '-e', `${def} BEGIN { $m = (struct measure *)0; $x = ${expr}; }`]);
    assert.equal(r.code, 1, expr);
    assert.match(r.stderr, new RegExp(`ERROR: Cannot read a value of type ${type}: bpftrace has no floating-point values\\n`));
    assert.match(r.stderr, /HINT: print the struct that holds it \(its floating-point members print as null\)/);
  }
});
