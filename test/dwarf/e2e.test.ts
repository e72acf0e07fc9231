// Typed uprobe `args` from DWARF end to end through the CLI: programs on test/progs/dwarfargs.c
// started with -c, and -lv listings, compared with the expected text and, where bpftrace 0.17
// (built with libdw) gets it right, with /usr/bin/bpftrace's output.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { isRoot, runCli } from '../helpers/run.ts';
import { DECLS } from './expected.ts';
import { buildDwarfProgs, type DwarfProgs } from './progs.ts';

const skip = !isRoot || !existsSync('/sys/bus/event_source/devices/uprobe') ? 'needs root and uprobes' : false;

/** Whether /usr/bin/bpftrace exists and reads DWARF (libdw), so its output can be compared. */
const bpftraceDwarf = (() => {
  if (!existsSync('/usr/bin/bpftrace')) return false;
  const r = spawnSync('/usr/bin/bpftrace', ['--info'], { encoding: 'latin1', timeout: 30000 });
  return /libdw \(DWARF support\): yes/.test(`${r.stdout}${r.stderr}`);
})();

/** bpftrace 0.17's stdout (its "Attaching" line dropped), or null without a DWARF-capable one. */
function theirs(args: string[]): string | null {
  if (!bpftraceDwarf) return null;
  const r = spawnSync('/usr/bin/bpftrace', args, { encoding: 'latin1', timeout: 30000 });
  return (r.stdout ?? '')
    .split('\n')
    .filter((l) => !l.startsWith('Attaching '))
    .join('\n');
}

function run(script: string, cmd: string): string {
  const r = runCli(['-e', script, '-c', cmd], { timeoutMs: 30000 });
  assert.equal(r.code, 0, `stderr: ${r.stderr}`);
  return r.stdout;
}

let P: DwarfProgs;
before(() => {
  if (!skip) P = buildDwarfProgs();
});

describe('uprobe args from DWARF', { skip }, () => {
  test('an int and a user string by name (same as bpftrace 0.17)', () => {
    const s = `uprobe:${P.dw5}:greet { printf("%d %s\\n", args.a, str(args.s)); }`;
    const out = run(s, `${P.dw5} 2`);
    assert.equal(out, '0 hello\n1 hello\n\n\n');
    const want = theirs(['-e', s.replace(/args\./g, 'args->'), '-c', `${P.dw5} 2`]);
    if (want !== null) assert.equal(out, want);
  });

  test('signed and unsigned widths, DWARF 4 and 5 (same as bpftrace 0.17)', () => {
    for (const bin of [P.dw4, P.dw5, P.o2]) {
      const s = `uprobe:${bin}:kinds { printf("%d %d %d %d %ld %lu\\n", args.c, args.uc, args.sh, args.us, args.l, args.ull); }`;
      const out = run(s, `${bin} 1`);
      assert.equal(out, '-1 200 -300 60000 -5000000000 18000000000000000000\n\n\n', bin);
      const want = theirs(['-e', s.replace(/args\./g, 'args->'), '-c', `${bin} 1`]);
      if (want !== null) assert.equal(out, want, bin);
    }
  });

  test('qualifiers, typedefs, _Bool and restrict pointers (same as bpftrace 0.17)', () => {
    const s = `uprobe:${P.dw5}:quals { printf("%d %d %d %s %d %d\\n", args.b, args.t, args.vi, str(args.r), args.i8, args.u16); }`;
    const out = run(s, `${P.dw5} 1`);
    assert.equal(out, '1 14 15 restrict -16 17\n\n\n');
    const want = theirs(['-e', s.replace(/args\./g, 'args->'), '-c', `${P.dw5} 1`]);
    if (want !== null) assert.equal(out, want);
  });

  test('registers as the calling convention assigns them: SSE and by-value struct arguments, hidden return pointer', () => {
    // bpftrace 0.17 takes the Nth parameter from the Nth register, and prints "3 ..." for mixed.
    const s =
      `uprobe:${P.dw5}:mixed { printf("mixed %d %d\\n", args.a, args.b); } ` +
      `uprobe:${P.dw5}:bigval { printf("bigval %d %d\\n", args.after, args.b.c); } ` +
      `uprobe:${P.dw5}:makebig { printf("makebig %d %d\\n", args.x, args.y); } ` +
      `uprobe:${P.dw5}:seven { printf("seven %d %d %d\\n", args.a1, args.a6, args.a7); } ` +
      `uprobe:${P.dw5}:mix2 { printf("mix2 %d\\n", args.after); } ` +
      `uprobe:${P.dw5}:wide { printf("wide %d\\n", args.after); }`;
    assert.equal(run(s, `${P.dw5} 1`), 'mixed 11 12\nbigval 13 9\nseven 1 6 7\nmix2 23\nwide 25\nmakebig 18 19\n\n\n');
  });

  test('the out-of-line copy of an inlined function (-O2), and print(args) as a record', () => {
    assert.equal(run(`uprobe:${P.o2}:twice { printf("%d %s\\n", args.v, str(args.why)); }`, `${P.o2} 1`), '21 pointer\n\n\n');
    assert.equal(
      run(`uprobe:${P.dw5}:kinds { print(args); }`, `${P.dw5} 1`),
      '{ .c = -1, .uc = 200, .sh = -300, .us = 60000, .l = -5000000000, .ull = 18000000000000000000 }\n\n\n',
    );
  });

  test('a separate debug file, compressed sections, type units', () => {
    for (const bin of [P.stripped, P.gz, P.types4, P.types5]) {
      assert.equal(run(`uprobe:${bin}:greet { printf("%d %s\\n", args.a, str(args.s)); }`, `${bin} 1`), '0 hello\n\n\n', bin);
    }
  });

  test('parameters not in an integer register, and binaries without DWARF, are errors', () => {
    const byval = runCli(['-e', `uprobe:${P.dw5}:mixed { print(args.pt); }`]);
    assert.equal(byval.code, 1);
    assert.match(byval.stderr, /Can't find field 'pt' in args of uprobe:.*:mixed/);
    const sse = runCli(['-e', `uprobe:${P.dw5}:mixed { print(args.d); }`]);
    assert.equal(sse.code, 1);
    assert.match(sse.stderr, /Can't find field 'd'/);
    const none = runCli(['-e', `uprobe:${P.nodebug}:greet { print(args.a); }`]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /args/);
  });
});

describe('-lv uprobe parameters', { skip }, () => {
  test("one function, in bpftrace's spelling", () => {
    const r = runCli(['-lv', `uprobe:${P.dw5}:greet`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `uprobe:${P.dw5}:greet\n    int a\n    const char* s\n`);
  });

  test('every function of each build, as bpftrace 0.17 lists them', () => {
    for (const bin of [P.dw4, P.dw5, P.o2, P.gz, P.stripped, P.types4, P.types5]) {
      const r = runCli(['-lv', `uprobe:${bin}:*`]);
      assert.equal(r.code, 0, r.stderr);
      const want = theirs(['-lv', `uprobe:${bin}:*`]);
      if (want !== null) assert.equal(r.stdout, want, bin);
      // Type unit stubs are spelled `struct <anonymous>` (as bpftrace): compared above only.
      if (bin === P.types4 || bin === P.types5) continue;
      // The functions of dwarfargs.c with their parameters, in the listing's order.
      const lines = r.stdout.split('\n');
      for (const [func, decls] of Object.entries(DECLS)) {
        const at = lines.indexOf(`uprobe:${bin}:${func}`);
        assert.ok(at >= 0, `${bin}: ${func} listed`);
        assert.deepEqual(
          lines.slice(at + 1, at + 1 + decls.length + 1),
          [...decls.map((d) => `    ${d}`), lines[at + 1 + decls.length]],
          `${bin} ${func}`,
        );
        assert.ok(!lines[at + 1 + decls.length]?.startsWith('    '), `${bin} ${func}: no extra parameters`);
      }
    }
  });

  test('no DWARF: names only', () => {
    const r = runCli(['-lv', `uprobe:${P.nodebug}:greet`]);
    assert.equal(r.stdout, `uprobe:${P.nodebug}:greet\n`);
  });
});
