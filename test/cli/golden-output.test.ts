// Every script in test/golden/output runs through the CLI in the kernel; stdout must equal the
// golden text and JSON byte for byte (goldens captured from bpftrace, adjusted to 0.26).

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, runCli } from '../helpers/run.ts';

const dir = join(ROOT, 'test', 'golden', 'output');
for (const file of readdirSync(dir).filter((f) => f.endsWith('.bt'))) {
  const name = file.slice(0, -3);
  test(`golden output: ${name} (text)`, () => {
    const r = runCli([join(dir, file)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, readFileSync(join(dir, `${name}.out`), 'latin1'));
  });
  test(`golden output: ${name} (json)`, () => {
    const r = runCli(['-f', 'json', join(dir, file)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, readFileSync(join(dir, `${name}.json.out`), 'latin1'));
  });
}
