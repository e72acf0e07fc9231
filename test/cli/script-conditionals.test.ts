// The script's own preprocessor conditionals decide which of its C parts exist, as clang decides
// for bpftrace: bpftrace's tools guard kernel headers and struct definitions with
// `#ifndef BPFTRACE_HAVE_BTF`, and on a kernel with BTF those definitions must not replace the
// kernel's. A script's own struct may embed a kernel struct it does not define (from BTF).

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { Diagnostics } from '../../src/lang/diagnostics.ts';
import { parseScript } from '../../src/lang/frontend.ts';
import { compileText } from '../helpers/compile.ts';
import { isRoot, runCli } from '../helpers/run.ts';

const haveBtf = existsSync('/sys/kernel/btf/vmlinux');

/** The C parts left after the front end, as text. */
function cParts(text: string, btf: boolean): string[] {
  const source = { name: 'stdin', text };
  const program = parseScript(source, new Diagnostics(source), {
    headers: { includeDirs: [], includes: [], scriptDir: '.', haveBtf: btf },
  });
  return program.items.flatMap((i) => (i.kind === 'CDefinition' ? [i.text] : i.kind === 'Include' ? [`<${i.path}>`] : []));
}

const GUARDED = [
  '#ifndef BPFTRACE_HAVE_BTF',
  '#include <linux/fs.h>',
  'struct nameidata { struct path path; struct qstr last; };',
  '#define FROM_HEADERS 1',
  '#else',
  '#define FROM_HEADERS 0',
  '#endif',
  'BEGIN { printf("%d\\n", FROM_HEADERS); exit(); }',
].join('\n');

test('a branch the conditionals leave out defines nothing: no include, struct or #define from it', () => {
  const withBtf = cParts(GUARDED, true);
  assert.ok(
    !withBtf.some((t) => t.startsWith('struct nameidata') || t === '<linux/fs.h>' || t.endsWith('FROM_HEADERS 1')),
    withBtf.join('\n'),
  );
  assert.ok(withBtf.includes('#define FROM_HEADERS 0'));
  const without = cParts(GUARDED, false);
  assert.ok(without.some((t) => t.startsWith('struct nameidata')));
  assert.ok(without.includes('<linux/fs.h>'));
  assert.ok(!without.includes('#define FROM_HEADERS 0'));
  // A condition on anything but definedness is not decided: both branches stay, as before.
  const unknown = cParts('#if VERSION > 2\nstruct a { int x; };\n#else\nstruct b { int y; };\n#endif\nBEGIN { }', true);
  assert.equal(unknown.filter((t) => t.startsWith('struct')).length, 2);
});

test("a script's struct embeds a kernel struct it does not define, laid out as C would; not once it redefines a kernel type", {
  skip: haveBtf ? false : 'no kernel BTF',
}, () => {
  const r = compileText(
    'struct my_nd { struct path path; struct qstr last; char c; }; struct p { char a; struct qstr q; struct qstr *next; }\n' +
      'BEGIN { $nd = (struct my_nd *)0; $s = $nd.last.name; $t = ((struct p *)0)->next->name; }',
  );
  assert.equal(r.errors, '');
  // 0.26: redefining a kernel type turns BTF off for the script's definitions (clang's error).
  const redefined = compileText('struct task_struct { struct thread_info x; } BEGIN { printf("%d\\n", curtask.x.status); }');
  // Clang's line first, as 0.26 prints it: the member's name, on definitions.h's second line.
  assert.match(
    redefined.errors,
    /^definitions\.h:2:41: error: field has incomplete type 'struct thread_info'\nstdin:1:1-45: ERROR: field has incomplete type 'struct thread_info'\n/,
  );
  assert.match(redefined.errors, /HINT: the script redefines the kernel's struct task_struct/);
  assert.equal(redefined.errors.match(/ERROR/g)?.length, 1, 'nothing after it');
  assert.match(
    compileText('struct nameidata { struct path path; struct qstr last; } BEGIN { }').errors,
    /ERROR: field has incomplete type 'struct path'/,
  );
});

test('sizes and offsets of such structs, and a guarded tool-style script, run', { skip: !isRoot || !haveBtf }, () => {
  const sizes = runCli([
    '-e',
    'struct my_nd { struct path path; struct qstr last; char c; }; struct p { char a; struct qstr q; }\n' +
      'BEGIN { printf("%d %d %d %d\\n", sizeof(struct my_nd), offsetof(struct my_nd, last), offsetof(struct p, q), sizeof(struct p)); exit(); }',
  ]);
  assert.equal(sizes.code, 0, sizes.stderr);
  assert.equal(sizes.stdout, '40 16 8 24\n\n\n');
  const guarded = runCli(['-e', GUARDED]);
  assert.equal(guarded.code, 0, guarded.stderr);
  assert.equal(guarded.stdout, '0\n\n\n');
});
