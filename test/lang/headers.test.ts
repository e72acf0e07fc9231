// Integer constants of included headers (src/lang/headers.ts): found through -I, --include, the
// script's directory and nested includes; only integer constant expressions are taken.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { HeaderOptions } from '../../src/lang/headers.ts';
import { frontendBody } from './helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'headers-'));
after(() => rmSync(root, { recursive: true, force: true }));
const inc = join(root, 'inc');
const scriptDir = join(root, 'script');
mkdirSync(join(inc, 'sub'), { recursive: true });
mkdirSync(scriptDir);
writeFileSync(
  join(inc, 'my.h'),
  [
    '#ifndef MY_H',
    '#define MY_H',
    '#define SHIFTED (1 << 4) /* a comment */',
    '#define NEG -3',
    '#define SUFFIXED 0x10UL',
    '#define OCTAL 0100',
    '#define SELF SELF',
    '#define FN(x) (x)',
    '#define STR "text"',
    '#define CAST ((int)1)',
    '#include "sub/more.h"',
    '#endif',
  ].join('\n'),
);
writeFileSync(join(inc, 'sub', 'more.h'), '#define CONTINUED \\\n  (SHIFTED + 1)\n#define SHIFTED 99 // later definitions do not win\n');
writeFileSync(join(scriptDir, 'local.h'), '#define LOCAL 7\n');
writeFileSync(join(root, 'forced.h'), '#define FORCED 5\n');
// As asm/unistd.h chooses its syscall table: by target macros, around ordinary conditionals.
writeFileSync(
  join(inc, 'arch.h'),
  [
    '#ifdef __i386__',
    '#define NR 162',
    '# ifdef __x86_64__',
    '#define NESTED 1',
    '# endif',
    '#elif defined(__ILP32__)',
    '#define NR 0x40000023',
    '#else',
    '#define NR 35',
    '#endif',
    '#if !defined(__x86_64__)',
    '#define WIDTH 32',
    '#else',
    '#define WIDTH 64',
    '#endif',
    '#ifndef SOMETHING_ELSE',
    '#define FALLBACK 1',
    '#else',
    '#define FALLBACK 2',
    '#endif',
  ].join('\n'),
);

function body(text: string, headers: Partial<HeaderOptions> = {}): string {
  return frontendBody(text, { headers: { includeDirs: [inc], includes: [], scriptDir, ...headers } });
}

describe('headers: integer constants of #include files', () => {
  it('takes integer constant expressions, with C suffixes, octal and nested includes', () => {
    assert.equal(
      body('#include <my.h>\nBEGIN { $a = SHIFTED; $b = NEG; $c = SUFFIXED; $d = OCTAL; $e = CONTINUED; }'),
      '  $a = 16;\n  $b = -3;\n  $c = 16;\n  $d = 64;\n  $e = 17;\n}\n',
    );
  });

  it('leaves names that are not integer constants alone', () => {
    assert.equal(
      body('#include <my.h>\nBEGIN { $a = SELF; $b = FN(1); $c = STR; $d = CAST; $e = MY_H; }'),
      '  $a = SELF;\n  $b = FN(1);\n  $c = STR;\n  $d = CAST;\n  $e = MY_H;\n}\n',
    );
  });

  it('"quoted" includes look in the script directory; --include files count; the script wins', () => {
    assert.equal(
      body('#include "local.h"\n#define SHIFTED 1\nBEGIN { $a = LOCAL; $b = FORCED; $c = SHIFTED; }', {
        includes: [join(root, 'forced.h')],
      }),
      '  $a = 7;\n  $b = 5;\n  $c = 1;\n}\n',
    );
  });

  it("takes the x86_64 branch of target-macro conditionals, and reads other conditionals' groups all", () => {
    assert.equal(
      body('#include <arch.h>\nBEGIN { $a = NR; $b = WIDTH; $c = FALLBACK; $d = NESTED; }'),
      '  $a = 35;\n  $b = 64;\n  $c = 1;\n  $d = NESTED;\n}\n',
    );
  });

  it('reads nothing without includes, and skips headers that are not found', () => {
    assert.equal(body('BEGIN { $a = SHIFTED; }'), '  $a = SHIFTED;\n}\n');
    assert.equal(body('#include <no/such.h>\nBEGIN { $a = SHIFTED; }'), '  $a = SHIFTED;\n}\n');
  });
});
