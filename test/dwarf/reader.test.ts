// The DWARF reader on test/progs/dwarfargs.c as GCC builds it (DWARF 4 and 5, -O2 with an
// abstract/concrete inline pair, zlib-compressed sections, a separate debug file found through
// .gnu_debuglink), on a C++ program (DW_AT_specification, linkage names), and on glibc's
// separate debug file when libc6-dbg is installed. -lv declarations are bpftrace's spelling.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { debugInfo } from '../../src/elf/dwarf/debuginfo.ts';
import { dwarfArgs, dwarfParamDecls } from '../../src/elf/dwarf.ts';
import { ElfObject } from '../../src/elf/symbols.ts';
import { typeName } from '../../src/sema/types.ts';
import { buildProgs } from '../progs/build.ts';
import { DECLS, dwarfOriginOf } from './expected.ts';
import { buildDwarfProgs, corruptAbbrevCopy, type DwarfProgs } from './progs.ts';

/** `args` fields: name, type name, pt_regs offset (rdi 112, rsi 104, rdx 96, rcx 88, r8 72, r9 64). */
const ARGS: Record<string, [string, string, number | string][]> = {
  greet: [
    ['a', 'int32', 112],
    ['s', 'int8 *', 104],
  ],
  kinds: [
    ['c', 'int8', 112],
    ['uc', 'uint8', 104],
    ['sh', 'int16', 96],
    ['us', 'uint16', 88],
    ['l', 'int64', 72],
    ['ull', 'uint64', 64],
  ],
  ptrs: [
    ['p', 'struct point *', 112],
    ['cp', 'struct point *', 104],
    ['v', 'void *', 96],
    ['pp', 'int32 * *', 88],
    ['u', 'union num *', 72],
    ['col', 'uint32', 64],
  ],
  // d and f in SSE registers, pt (8 bytes of ints) in rsi.
  mixed: [
    ['a', 'int32', 112],
    ['b', 'int64', 96],
  ],
  // s is xmm0 and rdi, f is xmm1.
  mix2: [['after', 'int32', 104]],
  // v is rdi and rsi, ld (x87) on the stack.
  wide: [['after', 'int32', 96]],
  // b (24 bytes) on the stack, just above the return address.
  bigval: [
    ['b', 'struct big', 'sp+8'],
    ['after', 'int32', 112],
  ],
  seven: [
    ['a1', 'int32', 112],
    ['a2', 'int32', 104],
    ['a3', 'int32', 96],
    ['a4', 'int32', 88],
    ['a5', 'int32', 72],
    ['a6', 'int32', 64],
    ['a7', 'int32', 'sp+8'],
  ],
  // _Bool is an unsigned byte, as in bpftrace; qualifiers and typedefs peeled.
  quals: [
    ['b', 'uint8', 112],
    ['t', 'uint64', 104],
    ['vi', 'int32', 96],
    ['r', 'int8 *', 88],
    ['i8', 'int8', 72],
    ['u16', 'uint16', 64],
  ],
  // The returned struct's address is in rdi.
  makebig: [
    ['x', 'int64', 104],
    ['y', 'int32', 96],
  ],
  noargs: [],
  twice: [
    ['v', 'int64', 112],
    ['why', 'int8 *', 104],
  ],
  main: [
    ['argc', 'int32', 112],
    ['argv', 'int8 * *', 104],
  ],
};

const SKIPPED: Record<string, string[]> = {
  mixed: ['d', 'pt', 'f'],
  bigval: [],
  seven: [],
  mix2: ['s', 'f'],
  wide: ['v', 'ld'],
};

function vaddrOf(path: string, func: string): number {
  const s = ElfObject.get(path).findFunctions(func)[0];
  assert.ok(s, `${func} in ${path}`);
  return s.value;
}

/** name, type, and pt_regs offset or `sp+N` for stack-passed arguments. */
function fieldsOf(path: string, func: string): [string, string, number | string][] | null {
  return (
    dwarfArgs(path, func, vaddrOf(path, func))?.map((f) => [f.name, typeName(f.type), f.onStack ? `sp+${f.offset}` : f.offset]) ?? null
  );
}

let P: DwarfProgs;
before(() => {
  P = buildDwarfProgs();
});

describe('dwarfargs.c as GCC builds it', () => {
  for (const flavour of ['dw4', 'dw5', 'o2', 'gz', 'stripped', 'types4', 'types5'] as const) {
    test(`${flavour}: -lv declarations and args of every function`, () => {
      const path = P[flavour];
      for (const [func, decls] of Object.entries(DECLS)) {
        // With type units, bpftrace spells some struct stubs `struct <anonymous>` (the e2e test compares).
        if (!flavour.startsWith('types')) assert.deepEqual(dwarfParamDecls(path, func), decls, `${flavour} ${func}`);
        const want = ARGS[func];
        if (want) assert.deepEqual(fieldsOf(path, func), want, `${flavour} ${func}`);
      }
      const di = debugInfo(path);
      assert.ok(di);
      for (const [func, names] of Object.entries(SKIPPED)) {
        assert.deepEqual(
          di.args(func, vaddrOf(path, func))?.skipped.map((s) => s.name),
          names,
          `${flavour} ${func}`,
        );
      }
    });
  }

  test('type units: stubs completed through DW_AT_signature for types and registers, not for -lv (as bpftrace)', () => {
    for (const path of [P.types4, P.types5]) {
      assert.equal(dwarfParamDecls(path, 'ptrs')[0], 'struct <anonymous>* p');
      assert.deepEqual(dwarfParamDecls(path, 'ptrs')[5], 'enum color col');
      const p = dwarfArgs(path, 'ptrs', vaddrOf(path, 'ptrs'))?.[0]?.type;
      assert.deepEqual(p, {
        kind: 'pointer',
        to: { kind: 'struct', name: 'struct point', size: 8, origin: dwarfOriginOf(p), union: false },
        user: true,
      });
    }
    assert.ok(debugInfo(P.types4)?.file.sections.types.length, '.debug_types is there');
  });

  test('DWARF 4 and 5 units are both what GCC wrote', () => {
    assert.deepEqual(
      [
        ...new Set(
          debugInfo(P.dw4)
            ?.file.units()
            .map((u) => u.version),
        ),
      ],
      [4],
    );
    assert.deepEqual(
      [
        ...new Set(
          debugInfo(P.dw5)
            ?.file.units()
            .map((u) => u.version),
        ),
      ],
      [5],
    );
  });

  test('every parameter pointer is a user pointer, at every level', () => {
    const pp = dwarfArgs(P.dw5, 'ptrs', vaddrOf(P.dw5, 'ptrs'))?.find((f) => f.name === 'pp')?.type;
    assert.deepEqual(pp, {
      kind: 'pointer',
      to: { kind: 'pointer', to: { kind: 'int', size: 4, signed: true }, user: true },
      user: true,
    });
    const p = dwarfArgs(P.dw5, 'ptrs', vaddrOf(P.dw5, 'ptrs'))?.find((f) => f.name === 'p')?.type;
    assert.deepEqual(p, {
      kind: 'pointer',
      to: { kind: 'struct', name: 'struct point', size: 8, origin: dwarfOriginOf(p), union: false },
      user: true,
    });
  });

  test('-O2: the out-of-line copy of an inlined function is found by address, its parameters through DW_AT_abstract_origin', () => {
    const di = debugInfo(P.o2);
    assert.ok(di);
    const d = di.functions().lookup('twice', vaddrOf(P.o2, 'twice'));
    assert.ok(d);
    assert.ok(d.attrs.abstractOrigin, 'the concrete instance, not the abstract one');
    assert.equal(d.attrs.name, undefined);
  });

  test('the separate debug file is the one read', () => {
    assert.equal(debugInfo(P.stripped)?.debugPath, `${P.stripped}.debug`);
    assert.equal(debugInfo(P.dw5)?.debugPath, P.dw5);
  });

  test('no DWARF: null args and no declarations; read once per file version', () => {
    assert.equal(dwarfArgs(P.nodebug, 'greet', 0x1139), null);
    assert.deepEqual(dwarfParamDecls(P.nodebug, 'greet'), []);
    assert.equal(debugInfo(P.nodebug), null);
    assert.equal(debugInfo(P.dw5), debugInfo(P.dw5));
    // A function the DWARF does not describe (crt code).
    assert.equal(dwarfArgs(P.dw5, '_start', vaddrOf(P.dw5, '_start')), null);
    assert.deepEqual(dwarfParamDecls(P.dw5, '_start'), []);
  });
});

describe('malformed DWARF', () => {
  test('an unreadable abbreviation table is reported once, then the file has no DWARF', () => {
    // Every abbreviation code becomes 0x7f with no attributes: the DIEs' codes are unknown.
    const bad = corruptAbbrevCopy(P.dw5);
    const warnings: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      warnings.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      assert.deepEqual(dwarfParamDecls(bad, 'greet'), []);
      assert.equal(dwarfArgs(bad, 'greet', vaddrOf(bad, 'greet')), null);
    } finally {
      process.stderr.write = write;
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /^WARNING: cannot read the DWARF debug info of .*-corrupt: /);
  });
});

describe('C++', () => {
  let cpp = '';
  before(() => {
    cpp = buildProgs().cpp;
  });

  test('a member function defined outside its class (DW_AT_specification), by linkage name', () => {
    const add = '_ZN2ns7Counter3addEi';
    assert.deepEqual(dwarfParamDecls(cpp, add), ['struct Counter* const this', 'int v']);
    assert.deepEqual(fieldsOf(cpp, add), [
      ['this', 'struct Counter *', 112],
      ['v', 'int32', 104],
    ]);
    assert.deepEqual(dwarfParamDecls(cpp, '_ZN2ns5twiceEd'), ['double x']);
    assert.deepEqual(fieldsOf(cpp, '_ZN2ns5twiceEd'), []);
    assert.deepEqual(fieldsOf(cpp, '_ZN2ns5identIiEET_S1_'), [['v', 'int32', 112]]);
  });
});

const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';
const libcDebug = (() => {
  try {
    return debugInfo(LIBC) !== null;
  } catch {
    return false;
  }
})();

describe('glibc through its build-id debug file (libc6-dbg)', {
  skip: existsSync(LIBC) && libcDebug ? false : 'no libc debug info',
}, () => {
  test('compressed sections, lookups through .debug_aranges, aliases by address', () => {
    assert.match(debugInfo(LIBC)?.debugPath ?? '', /^\/usr\/lib\/debug\/\.build-id\/..\/.+\.debug$/);
    assert.deepEqual(fieldsOf(LIBC, 'usleep'), [['useconds', 'uint32', 112]]);
    assert.deepEqual(dwarfParamDecls(LIBC, 'usleep'), ['useconds_t useconds']);
    // strtol is an alias of __strtol: -lv finds no function of that name (as bpftrace), args
    // finds the function at the symbol's address.
    assert.deepEqual(dwarfParamDecls(LIBC, 'strtol'), []);
    assert.deepEqual(fieldsOf(LIBC, 'strtol'), [
      ['nptr', 'int8 *', 112],
      ['endptr', 'int8 * *', 104],
      ['base', 'int32', 96],
    ]);
    assert.deepEqual(dwarfParamDecls(LIBC, 'strtok'), ['char* s', 'const char* delim']);
  });
});
