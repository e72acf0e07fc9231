// The struct, union and enum definitions of a script's own headers type the script, as clang
// makes them do in bpftrace; what does not parse is left to BTF, silently; system headers stay
// BTF's.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Diagnostics } from '../../src/lang/diagnostics.ts';
import { parseScript } from '../../src/lang/frontend.ts';
import { isRoot, runCli } from '../helpers/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'header-types-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  join(dir, 'shapes.h'),
  [
    '#ifndef SHAPES_H',
    '#define SHAPES_H',
    '#include <stdint.h>',
    '/* a point */',
    'struct point {',
    '  int x;   // x',
    '  long y;',
    '  char name[8];',
    '  struct { short a; } inner;',
    '};',
    'struct broken { no_such_type_t w; };',
    'enum color { RED, GREEN = 5, BLUE };',
    'int area(struct point *p);',
    '#define MAGIC 42',
    '#endif',
  ].join('\n'),
);
const script = join(dir, 'main.bt');
writeFileSync(
  script,
  '#include "shapes.h"\n#include <stdint.h>\nBEGIN { printf("%d %d %d %d\\n", sizeof(struct point), offsetof(struct point, name), MAGIC, BLUE); print((enum color)5); exit(); }\n',
);

test("a header of the script's own gives its C text to the type parser; system headers do not", () => {
  const source = { name: script, text: '#include "shapes.h"\n#include <stdint.h>\nBEGIN { }\n' };
  const program = parseScript(source, new Diagnostics(source), { headers: { includeDirs: [], includes: [], scriptDir: dir } });
  assert.equal(program.headerTypes?.length, 1);
  assert.match(program.headerTypes?.[0] ?? '', /struct point \{/);
  assert.doesNotMatch(program.headerTypes?.[0] ?? '', /#define|a point/);
});

test('its structs and enums type the script: sizes and offsets as C lays them out', { skip: !isRoot }, () => {
  const r = runCli([script]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '32 16 42 6\nGREEN\n\n\n');
  // The definition that does not parse is left out without a word.
  assert.doesNotMatch(r.stderr, /cannot parse/);
});
