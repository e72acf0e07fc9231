// Split DWARF (src/elf/dwarf/split.ts): binaries built with gcc -gsplit-dwarf, their DIEs in
// .dwo files (DWARF 5 and GNU DWARF 4) or in a .dwp package, read the same as the ordinary
// build of the same source: -lv declarations, args, struct types, source lines, and the
// function, line and inlined calls of every instruction. Where the files are looked for
// (--debuginfo path), and a .dwo from another build refused. Then real uprobes reading
// arguments by name and struct members of split-DWARF binaries.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setDebuginfoPaths } from '../../src/elf/debug-paths.ts';
import type { CodeInfo } from '../../src/elf/dwarf/code-info.ts';
import { debugInfo } from '../../src/elf/dwarf/debuginfo.ts';
import { dwarfArgs, dwarfParamDecls, dwarfTypeByName } from '../../src/elf/dwarf.ts';
import { ElfObject } from '../../src/elf/symbols.ts';
import { typeName } from '../../src/sema/types.ts';
import { isRoot, runCli } from '../helpers/run.ts';
import { BUILD_DIR, PROGS_DIR } from '../progs/build.ts';
import { DECLS } from './expected.ts';
import { buildInlinedProgs, type InlinedProgs } from './inlined-progs.ts';
import { buildDwarfProgs, type DwarfProgs } from './progs.ts';
import { buildSplitProgs, type SplitProgs } from './split-progs.ts';

const skipRun = !isRoot || !existsSync('/sys/bus/event_source/devices/uprobe') ? 'needs root and uprobes' : false;

let S: SplitProgs;
let P: DwarfProgs;
let I: InlinedProgs;
before(() => {
  S = buildSplitProgs();
  P = buildDwarfProgs();
  I = buildInlinedProgs();
});

function vaddrOf(path: string, func: string): number {
  const s = ElfObject.get(path).findFunctions(func)[0];
  assert.ok(s, `${func} in ${path}`);
  return s.value;
}

/** `args` as name, type name and place: comparable across binaries (struct origins name files). */
function argsOf(path: string, func: string): string[] | null {
  return (
    dwarfArgs(path, func, vaddrOf(path, func))?.map((f) => `${f.name} ${typeName(f.type)} ${f.onStack ? 'sp+' : ''}${f.offset}`) ?? null
  );
}

/** The split flavours of dwarfargs.c with their ordinary builds; a .dwp one only where a dwp tool is. */
function argsFlavours(): [string, string, string][] {
  const out: [string, string, string][] = [
    ['dwo, DWARF 5', S.args5, P.dw5],
    ['dwo, DWARF 4', S.args4, P.dw4],
  ];
  if (S.args4dwp) out.push(['dwp, DWARF 4', S.args4dwp, P.dw4]);
  return out;
}

describe('split DWARF: the reader follows skeleton units', () => {
  test('the binaries hold only skeletons; their split units come from the .dwo or .dwp', () => {
    for (const [what, bin] of argsFlavours()) {
      const di = debugInfo(bin);
      assert.ok(di, what);
      const units = di.file.units();
      assert.ok(units.length > 0 && units.every((u) => u.isSkeleton), `${what}: skeletons only`);
      const code = di.file.codeUnits();
      assert.equal(code.length, units.length, what);
      for (const u of code) assert.ok(u.file.origin && u.file !== di.file, `${what}: a split unit`);
    }
    assert.ok(!existsSync(`${S.args5}.dwp`) && existsSync(join(BUILD_DIR, 'split-args5-dwarfargs.dwo')));
    if (S.args4dwp) assert.ok(existsSync(`${S.args4dwp}.dwp`) && !existsSync(join(BUILD_DIR, 'split-args4p-dwarfargs.dwo')));
  });

  test('a DWARF 5 .dwp: -lv, args and the struct they point to', (t) => {
    const bin = S.pkg5dwp;
    if (!bin) return t.skip('no llvm-dwp, or it failed');
    const di = debugInfo(bin);
    assert.ok(di?.file.units().every((u) => u.isSkeleton && u.version === 5));
    assert.deepEqual(dwarfParamDecls(bin, 'visit'), ['struct item* it', 'char mark']);
    assert.deepEqual(argsOf(bin, 'visit'), ['it struct item * 112', 'mark int8 104']);
    const item = dwarfTypeByName(bin, 'struct item');
    assert.ok(item?.kind === 'struct');
    assert.equal(item.size, 24);
  });

  test('-lv declarations and args of every function, as the ordinary build has them', () => {
    for (const [what, bin, plain] of argsFlavours()) {
      for (const [func, decls] of Object.entries(DECLS)) {
        assert.deepEqual(dwarfParamDecls(bin, func), decls, `${what} ${func}`);
        assert.deepEqual(argsOf(bin, func), argsOf(plain, func), `${what} ${func}`);
      }
    }
  });

  test('struct types and their members, from units in two .dwo files or one .dwp', () => {
    const bins = [S.structs4, ...(S.structsDwp ? [S.structsDwp] : [])];
    for (const bin of bins) {
      const di = debugInfo(bin);
      assert.equal(di?.file.codeUnits().length, 2, bin);
      const node = dwarfTypeByName(bin, 'struct node');
      assert.ok(node?.kind === 'struct' && node.size > 0, `${bin}: struct node ${JSON.stringify(node)}`);
      const plain = dwarfTypeByName(P.structs, 'struct node');
      assert.equal(node.size, plain?.kind === 'struct' ? plain.size : -1);
      assert.deepEqual(argsOf(bin, 'walk'), argsOf(P.structs, 'walk'), bin);
    }
  });

  test('every instruction of the -O2 program: function, line and inlined calls as in the ordinary build', () => {
    for (const [split, plain] of [
      [S.inlined5, I.o2],
      [S.inlined4, I.o2dw4],
    ] as const) {
      const a = debugInfo(split)?.codeLocator();
      const b = debugInfo(plain)?.codeLocator();
      assert.ok(a && b);
      const start = vaddrOf(split, 'outer');
      assert.equal(start, vaddrOf(plain, 'outer'), 'the same code');
      let inlined = 0;
      for (const fn of ['leaf', 'outer', 'split', 'main']) {
        const lo = vaddrOf(split, fn);
        const size = ElfObject.get(split).findFunctions(fn)[0]?.size ?? 0;
        for (let addr = lo; addr < lo + size; addr++) {
          const got: CodeInfo | null = a.at(addr);
          if (got?.inlined.length) inlined++;
          assert.deepEqual(got, b.at(addr), `${split} 0x${addr.toString(16)}`);
        }
      }
      assert.ok(inlined > 0, 'inlined calls are seen');
    }
  });

  test('source lines to addresses, through the skeleton line tables', () => {
    const src = join(PROGS_DIR, 'dwarfargs.c');
    for (const [what, bin, plain] of argsFlavours()) {
      const a = debugInfo(bin)?.sourceLines().lookup(src, 48, 0);
      const b = debugInfo(plain)?.sourceLines().lookup(src, 48, 0);
      assert.ok(a?.kind === 'found', what);
      assert.equal(b?.kind === 'found' ? b.address : -1, a.address, what);
    }
  });
});

describe('split DWARF: where the files are looked for', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpftrace-ts-split-'));
  });
  after(() => {
    setDebuginfoPaths([]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a .dwp on the --debuginfo path, not beside the binary', (t) => {
    const from = S.args4dwp;
    if (!from) return t.skip('no dwp tool');
    const bin = join(dir, 'moved');
    copyFileSync(from, bin);
    execFileSync('mkdir', ['-p', join(dir, 'dbg')]);
    copyFileSync(`${from}.dwp`, join(dir, 'dbg', 'moved.dwp'));
    setDebuginfoPaths([]);
    assert.deepEqual(dwarfParamDecls(bin, 'greet'), [], 'not found without the path');
    assert.deepEqual(dwarfParamDecls(from, 'greet'), DECLS.greet, 'found beside the binary');
    setDebuginfoPaths([join(dir, 'dbg')]);
    assert.deepEqual(dwarfParamDecls(bin, 'greet'), DECLS.greet);
    setDebuginfoPaths(['dbg']);
    assert.deepEqual(dwarfParamDecls(bin, 'greet'), DECLS.greet, 'a relative entry, from the binary');
    setDebuginfoPaths([]);
  });

  test('a .dwo from another build (its dwo id differs) is not taken', () => {
    const cwd = join(dir, 'stale');
    execFileSync('mkdir', ['-p', cwd]);
    execFileSync('gcc', ['-gsplit-dwarf', '-g', '-O0', '-o', 'a', join(PROGS_DIR, 'dwarfargs.c')], { cwd });
    assert.deepEqual(dwarfParamDecls(join(cwd, 'a'), 'greet'), DECLS.greet);
    execFileSync('gcc', ['-gsplit-dwarf', '-g', '-O0', '-o', 'b', join(PROGS_DIR, 'dwarfstructs.c'), join(PROGS_DIR, 'dwarfstructs2.c')], {
      cwd,
    });
    // A second binary, named as the first, whose .dwo the first's skeleton names.
    copyFileSync(join(cwd, 'b-dwarfstructs.dwo'), join(cwd, 'a-dwarfargs.dwo'));
    execFileSync('touch', ['-d', '2000-01-01', join(cwd, 'a')]);
    const di = debugInfo(join(cwd, 'a'));
    assert.ok(di);
    assert.ok(
      di.file.codeUnits().every((u) => u.isSkeleton),
      'the skeleton finds no split unit',
    );
    // Its line table is the skeleton's: a frame still has its file and line, not its function.
    const at = di.codeLocator().at(vaddrOf(join(cwd, 'a'), 'greet'));
    assert.equal(at?.fn, null);
    assert.equal(at?.place?.path, join(PROGS_DIR, 'dwarfargs.c'));
    assert.deepEqual(dwarfParamDecls(join(cwd, 'a'), 'greet'), []);
    // The listing goes on without parameters, with bpftrace's warning.
    const r = runCli(['-lv', `uprobe:${join(cwd, 'a')}:greet`], { timeoutMs: 30000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `uprobe:${join(cwd, 'a')}:greet\n`);
    assert.match(
      r.stderr,
      /^WARNING: Unable to find split debug file 'a-dwarfargs\.dwo' or 'a\.dwp' for '.*\/a', debugging information may be incomplete!$/m,
    );
  });
});

function run(script: string, cmd: string): string {
  const r = runCli(['-e', script, '-c', cmd], { timeoutMs: 30000 });
  assert.equal(r.code, 0, `stderr: ${r.stderr}`);
  return r.stdout;
}

describe('split DWARF: uprobes', { skip: skipRun }, () => {
  test('arguments by name from .dwo and .dwp binaries', () => {
    for (const [what, bin] of argsFlavours()) {
      const s = `uprobe:${bin}:greet { printf("%d %s\\n", args.a, str(args.s)); }`;
      assert.equal(run(s, `${bin} 2`), '0 hello\n1 hello\n\n\n', what);
    }
  });

  test('arguments and struct members from a DWARF 5 .dwp', (t) => {
    const bin = S.pkg5dwp;
    if (!bin) return t.skip('no llvm-dwp, or it failed');
    const s = `uprobe:${bin}:visit { printf("%d %s %d %c\\n", args.it->id, args.it->tag, args.it->next->id, args.mark); }`;
    assert.equal(run(s, `${bin} 2`), '1 first 2 x\n1 first 2 x\n\n\n');
  });

  test('struct members through a pointer argument, the struct in a split unit', () => {
    for (const bin of [S.structs4, ...(S.structsDwp ? [S.structsDwp] : [])]) {
      const s = `uprobe:${bin}:walk { printf("%d %s %d %d\\n", args.n->id, args.n->name, args.n->in.a, args.n->next->id); }`;
      assert.equal(run(s, `${bin} 2`), '1 first -3 2\n1 first -3 2\n\n\n', bin);
    }
  });

  test('ustack frames with file:line and inlined calls from the .dwo', () => {
    for (const bin of [S.inlined5, S.inlined4]) {
      const out = run(`uprobe:${bin}:leaf { print(ustack); exit(); }`, bin);
      const src = join(PROGS_DIR, 'inlined.c');
      assert.match(
        out,
        new RegExp(
          `^\\s+leaf\\+0@${src}:\\d+\\n\\s+\\[inlined\\] deep@${src}:\\d+\\n\\s+\\[inlined\\] middle@${src}:\\d+\\n\\s+outer\\+\\d+@${src}:\\d+\\n`,
          'm',
        ),
        bin,
      );
    }
  });

  test('-lv lists the arguments', () => {
    for (const [what, bin] of argsFlavours()) {
      const r = runCli(['-lv', `uprobe:${bin}:greet`], { timeoutMs: 30000 });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `uprobe:${bin}:greet\n    int a\n    const char* s\n`, what);
    }
  });
});
