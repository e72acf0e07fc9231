// Struct members through DWARF types, stack-passed arguments, zstd-compressed DWARF and uaddr()
// in position-independent binaries, end to end through the CLI on test/progs/dwarfstructs.c.
// bpftrace 0.17 aborts on this program's anonymous union member, so outputs are compared with
// the values the program passes.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { ElfFile } from '../../src/elf/elf.ts';
import { isRoot, runCli } from '../helpers/run.ts';
import { buildDwarfProgs, type DwarfProgs } from './progs.ts';

const skip = !isRoot || !existsSync('/sys/bus/event_source/devices/uprobe') ? 'needs root and uprobes' : false;

function run(script: string, cmd: string, extra: string[] = []): string {
  const r = runCli(['-e', script, '-c', cmd, ...extra], { timeoutMs: 30000 });
  assert.equal(r.code, 0, `stderr: ${r.stderr}`);
  return r.stdout;
}

function fails(script: string): string {
  const r = runCli(['-e', script], { timeoutMs: 30000 });
  assert.equal(r.code, 1, `stdout: ${r.stdout}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return r.stderr;
}

let P: DwarfProgs;
before(() => {
  if (!skip) P = buildDwarfProgs();
});

describe('struct members through DWARF', { skip }, () => {
  test('members, nested structs, arrays, char arrays, pointers to structs, anonymous unions, bitfields (DWARF 5 and 4)', () => {
    for (const bin of [P.structs, P.structs4]) {
      const s =
        `uprobe:${bin}:walk { printf("%d %s %d %d %d %d %d %s %c\\n", args.n->id, args.n->name, args.n->in.a, args.n->in.b, ` +
        `args.n->vals[2], args.n->vals[args.depth], args.n->next->id, args.n->next->name, args.n->name[1]); ` +
        `printf("%d %d %d %d %d %d\\n", args.n->l, args.n->i, args.n->flag, args.n->level, args.n->small, args.n->next->level); }`;
      assert.equal(
        run(s, `${bin} 2`),
        '1 first -3 4 7 5 2 second i\n-66 -66 1 17 9 3\n1 first -3 4 7 6 2 second i\n-66 -66 1 17 9 3\n\n\n',
        bin,
      );
    }
  });

  test('through variables, `*p` and `(*p).x`, arrays of structs, and a struct only declared in the probed unit', () => {
    const s =
      `uprobe:${P.structs}:walk { $n = args.n; $m = $n->next; printf("%d %s %d\\n", (*$n).id, $m->name, $m->vals[1]); ` +
      `printf("%d %d\\n", args.n->pairs[1].a, args.n->next->pairs[args.depth + 1].b); } ` +
      `uprobe:${P.structs}:use_opaque { printf("%d %s\\n", args.o->secret, args.o->tag); }`;
    assert.equal(run(s, `${P.structs} 1`), '1 second 8\n23 14\n4242 abc\n\n\n');
  });

  test('casts and sizeof name types of the probed binary (DWARF) before kernel BTF', () => {
    const s = `uprobe:${P.structs}:walk { $n = (struct node *)arg0; printf("%d %s %d %d\\n", $n->id, $n->next->name, sizeof(struct node), sizeof(struct opaque)); }`;
    assert.equal(run(s, `${P.structs} 1`), '1 second 64 16\n\n\n');
    assert.match(fails(`uprobe:${P.structs}:walk { $n = (struct nosuch *)arg0; }`), /Unknown struct\/union: 'struct nosuch'/);
  });

  test('print() of a struct, a nested struct and an array; a struct as a map key', () => {
    const s = `uprobe:${P.structs}:walk { print(*args.n->next); print(args.n->in); print(args.n->vals); @[*args.n->next] = count(); }`;
    const out = run(s, `${P.structs} 1`);
    const second =
      '{ .id = 2, .name = second, .in = { .a = -5, .b = 6 }, .vals = [7,8,9], .next = 0x0, .l = 77, .i = 77, .flag = 0, .level = 3, .small = -8, ' +
      '.pairs = [{ .a = 11, .b = 12 },{ .a = 13, .b = 14 }] }';
    assert.equal(out, `${second}\n{ .a = -3, .b = 4 }\n[5,6,7]\n\n\n@[${second}]: 1\n`);
  });

  test('unknown members, constant indexes past an array and incomplete types are compile errors', () => {
    assert.match(
      fails(`uprobe:${P.structs}:use_hidden { print(*args.h); }`),
      /Can not dereference a pointer to the incomplete type 'struct hidden'[\s\S]*HINT: its definition is not in the debug info/,
    );
    assert.match(
      fails(`uprobe:${P.structs}:walk { print(args.n->nope); }`),
      /Struct\/union of type 'struct node' does not contain a field named 'nope'/,
    );
    assert.match(fails(`uprobe:${P.structs}:walk { print(args.n->vals[3]); }`), /the index 3 is out of bounds for array of size 3/);
  });
});

describe('stack-passed arguments', { skip }, () => {
  test('the 7th and 8th integer arguments, a char and a string pointer, from [sp+8] and [sp+16]', () => {
    const s =
      `uprobe:${P.structs}:stack7 { printf("%d %d\\n", args.a6, args.a7); } ` +
      `uprobe:${P.structs}:stack8 { printf("%c %s\\n", args.a7, str(args.a8)); }`;
    assert.equal(run(s, `${P.structs} 1`), '6 77\nx stacked\n\n\n');
  });

  test('16-aligned stack slots: the argument after a long double', () => {
    assert.equal(
      run(`uprobe:${P.structs}:stackld { printf("%d %d %d\\n", args.a7, args.a8, args.a9); }`, `${P.structs} 1`),
      '7 8 10\n\n\n',
    );
  });

  test('after a struct passed by value on the stack, whose members are readable too', () => {
    const s = `uprobe:${P.structs}:stackbig { printf("%d %d %d %d %d\\n", args.a1, args.a6, args.a7, args.p->id, args.b.c); print(args); }`;
    const out = run(s, `${P.structs} 1`);
    const lines = out.split('\n');
    assert.equal(lines[0], '1 6 707 2 300');
    assert.match(
      lines[1] ?? '',
      /^\{ \.b = \{ \.a = 100, \.b = 200, \.c = 300 \}, \.a1 = 1, .*, \.a6 = 6, \.a7 = 707, \.p = 0x[0-9a-f]+ \}$/,
    );
  });
});

describe('zstd-compressed DWARF', { skip }, () => {
  test('the test binary really has zstd sections', () => {
    const elf = ElfFile.open(P.structsZstd);
    try {
      const s = elf.section('.debug_info');
      assert.ok(s && s.flags & 0x800, 'SHF_COMPRESSED');
      assert.equal(elf.sectionData(s).readUInt32LE(0), 2, 'ELFCOMPRESS_ZSTD');
    } finally {
      elf.close();
    }
  });

  test('args, struct members and -lv read through the zstd sections', () => {
    const s = `uprobe:${P.structsZstd}:walk { printf("%d %s %d\\n", args.n->id, args.n->next->name, args.depth); }`;
    const r = runCli(['-e', s, '-c', `${P.structsZstd} 1`], { timeoutMs: 30000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '1 second 0\n\n\n');
    assert.doesNotMatch(r.stderr, /WARNING/);
    const l = runCli(['-lv', `uprobe:${P.structsZstd}:walk`]);
    assert.equal(l.stdout, `uprobe:${P.structsZstd}:walk\n    struct node* n\n    int depth\n`);
  });
});

describe('uaddr()', { skip }, () => {
  test('in a PIE binary (from the probed instruction) and a fixed-address one', () => {
    for (const bin of [P.structs, P.structsNoPie]) {
      const s = `uprobe:${bin}:walk { printf("%d %d\\n", *uaddr("counter"), *uaddr("table")); }`;
      assert.equal(run(s, `${bin} 1`), '1234 10\n\n\n', bin);
    }
    // Every target of a wildcard probe gets its own bias computation.
    assert.equal(
      run(`uprobe:${P.structs}:stack* { printf("%d\\n", *uaddr("counter")); }`, `${P.structs} 1`),
      '1234\n1234\n1234\n1234\n\n\n',
    );
  });

  test('a uretprobe of a PIE binary needs -p; with it, the mapping gives the load address', async () => {
    assert.match(
      fails(`uretprobe:${P.structs}:walk { print(*uaddr("counter")); }`),
      /uaddr\(\) in a uretprobe of a position-independent object needs -p PID[\s\S]*HINT: use a uprobe/,
    );
    assert.equal(run(`uretprobe:${P.structsNoPie}:walk { printf("%d\\n", *uaddr("counter")); }`, `${P.structsNoPie} 1`), '1234\n\n\n');
    const child = spawn(P.structs, ['0', '20'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const r = runCli(['-p', String(child.pid), '-e', `uretprobe:${P.structs}:walk { printf("%d\\n", *uaddr("counter")); exit(); }`], {
        timeoutMs: 30000,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '1234\n\n\n');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('struct values from kernel BTF print the same way', {
  skip: skip || !existsSync('/sys/kernel/btf/vmlinux') ? 'needs root and BTF' : false,
}, () => {
  test('a nested struct, and an element of an array of structs, of curtask', () => {
    const r = runCli(
      [
        '-e',
        'tracepoint:syscalls:sys_enter_clock_nanosleep /pid == cpid/ { print(curtask->se.load); print(curtask->thread_pid->numbers[0]); exit(); }',
        '-c',
        'sleep 0.1',
      ],
      { timeoutMs: 30000 },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\{ \.weight = \d+, \.inv_weight = \d+ \}\n\{ \.nr = \d+, \.ns = 0x[0-9a-f]+ \}\n/);
  });
});
