// `import "file";`: probes, macros and map declarations of other scripts merged into the script;
// errors in an imported file point into that file.

import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../helpers/run.ts';

const root = mkdtempSync(join(tmpdir(), 'imports-'));
after(() => rmSync(root, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(root, name);
  writeFileSync(p, text);
  return p;
}

mkdirSync(join(root, 'lib'));
file('lib/greet.bt', 'macro greet(x) { printf("hello %d\\n", x); }\nlet @counts = hash(16);\n');
file('lib/more.bt', 'import "../shared.bt";\nBEGIN { @counts[1] = 2; }\n');
file('shared.bt', 'macro twice(x) { x * 2 }\n');

test('a .bt file and a directory of them: macros, map declarations and probes', () => {
  const main = file('main.bt', 'import "lib/greet.bt";\nimport "lib";\nBEGIN { greet(twice(21)); exit(); }\n');
  const r = runCli([main]);
  assert.equal(r.code, 0, r.stderr);
  // lib/greet.bt is imported once although the directory names it again.
  assert.equal(r.stdout, 'hello 42\n\n\n@counts[1]: 2\n');
});

test('an error in an imported file is shown in that file', () => {
  file('bad.bt', '\nmacro broken() { $x = ; }\n');
  const main = file('uses-bad.bt', 'import "bad.bt";\nBEGIN { exit(); }\n');
  const r = runCli([main]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad\.bt:2:/);
  assert.match(r.stderr, /macro broken\(\) \{ \$x = ; \}/);
});

test('missing files, C sources and world-writable directories are refused at the import', () => {
  const missing = runCli(['-e', 'import "/nonexistent/x.bt"; BEGIN { exit(); }']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /stdin:1:1-\d+: ERROR: could not import \/nonexistent\/x\.bt: no such file or directory/);

  file('lib2.bpf.c', 'int f(int v) { return v; }\n');
  const c = runCli([file('uses-c.bt', 'import "lib2.bpf.c";\nBEGIN { exit(); }\n')]);
  assert.equal(c.code, 1);
  assert.match(c.stderr, /BPF C sources need a C compiler/);

  mkdirSync(join(root, 'open'));
  file('open/x.bt', 'BEGIN { exit(); }\n');
  chmodSync(join(root, 'open'), 0o777);
  const ww = runCli([file('uses-open.bt', 'import "open/x.bt";\nBEGIN { exit(); }\n')]);
  assert.equal(ww.code, 1);
  assert.match(ww.stderr, /is world-writable/);
});

test('an imported script may not bring a config block', () => {
  file('configured.bt', 'config = { max_strlen = 16 }\nBEGIN { exit(); }\n');
  const r = runCli([file('uses-config.bt', 'import "configured.bt";\nBEGIN { exit(); }\n')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /configured\.bt:1:.*an imported script can not contain a config block/);
});
