// Integer constants of included headers (src/lang/headers.ts): found through -I, --include, the
// script's directory and nested includes; only integer constant expressions are taken.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CompileAbort, Diagnostics } from '../../src/lang/diagnostics.ts';
import { parseScript } from '../../src/lang/frontend.ts';
import { type HeaderOptions, systemDirs } from '../../src/lang/headers.ts';
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

  it('reads nothing without includes, and skips headers that headers include and are not found', () => {
    assert.equal(body('BEGIN { $a = SHIFTED; }'), '  $a = SHIFTED;\n}\n');
    writeFileSync(join(inc, 'lost.h'), '#include <no/such.h>\n#define FOUND 3\n');
    assert.equal(body('#include <lost.h>\nBEGIN { $a = FOUND; }'), '  $a = 3;\n}\n');
  });
});

/** The rendered diagnostics of the front end, and whether it stopped. */
function diagnostics(text: string, headers: Partial<HeaderOptions> = {}): { text: string; aborted: boolean } {
  const source = { name: 'stdin', text };
  const diags = new Diagnostics(source);
  let aborted = false;
  try {
    parseScript(source, diags, { headers: { includeDirs: [inc], includes: [], scriptDir, ...headers } });
  } catch (e) {
    if (!(e instanceof CompileAbort)) throw e;
    aborted = true;
  }
  return { text: diags.render(), aborted };
}

describe("#include of a header that is not found (clang's fatal error in 0.26)", () => {
  it('is an error at the header name, with where it was looked for', () => {
    const r = diagnostics('#include <lol/no.h>\nBEGIN { }');
    assert.ok(r.aborted);
    assert.match(
      r.text,
      /^definitions\.h:2:10: fatal error: 'lol\/no\.h' file not found\nstdin:1:10-20: ERROR: 'lol\/no\.h' file not found\n#include <lol\/no\.h>\n {9}~{10}\nHINT: searched /,
    );
    assert.ok(r.text.includes(inc), r.text);
    const q = diagnostics('#include "none.h"\nBEGIN { }');
    assert.match(q.text, /^definitions\.h:2:10: fatal error: 'none\.h' file not found\nstdin:1:10-18: ERROR: 'none\.h' file not found\n/);
    assert.ok(q.text.includes(scriptDir), 'a quoted include also looked beside the script');
  });

  it('--include FILE that is not found is an error without a place', () => {
    const r = diagnostics('BEGIN { }', { includes: ['gone.h'] });
    assert.ok(r.aborted);
    assert.match(r.text, /^ERROR: 'gone\.h' file not found\nHINT: --include gone\.h: searched /);
  });

  it('headers that exist keep working: -I, the script directory, absolute paths', () => {
    assert.equal(diagnostics(`#include <my.h>\n#include "local.h"\n#include "${join(root, 'forced.h')}"\nBEGIN { }`).text, '');
  });

  it('a kernel-internal header without the kernel headers installed is a warning when types come from BTF', () => {
    const kernelHeaders = systemDirs().some((d) => d.startsWith('/lib/modules/'));
    const r = diagnostics('#include <net/no_such_sock.h>\nBEGIN { }', { haveBtf: true });
    if (kernelHeaders) assert.match(r.text, /ERROR: 'net\/no_such_sock\.h' file not found/);
    else {
      assert.equal(r.aborted, false);
      assert.match(r.text, /^stdin:1:10-30: WARNING: 'net\/no_such_sock\.h' file not found; its types come from the kernel's BTF\n/);
    }
    // Without BTF nothing stands in for it.
    assert.ok(diagnostics('#include <net/no_such_sock.h>\nBEGIN { }', { haveBtf: false }).aborted);
  });

  it("includes in groups the script's conditionals leave out are not looked for", () => {
    const guarded = '#ifndef BPFTRACE_HAVE_BTF\n#include <lol/no.h>\n#else\n#include <my.h>\n#endif\nBEGIN { }';
    assert.equal(diagnostics(guarded, { haveBtf: true }).text, '');
    // Clang's line counts every C part, the conditional lines too: `#include <lol/no.h>` is line 3.
    assert.match(
      diagnostics(guarded, { haveBtf: false }).text,
      /^definitions\.h:3:10: fatal error: 'lol\/no\.h' file not found\nstdin:2:10-20: ERROR: /,
    );
    assert.equal(diagnostics('#define MINE 1\n#ifndef MINE\n#include <lol/no.h>\n#endif\nBEGIN { }').text, '');
    assert.equal(diagnostics('#ifdef __i386__\n#include <asm/x32.h>\n#endif\nBEGIN { }').text, '');
    // A condition we cannot evaluate leaves its includes alone.
    assert.equal(diagnostics('#if VERSION > 2\n#include <lol/no.h>\n#endif\nBEGIN { }').text, '');
  });
});
