import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Diagnostics } from '../../src/lang/diagnostics.ts';
import { parseScript } from '../../src/lang/frontend.ts';
import { printProgram } from '../../src/lang/printer.ts';
import { src } from './helpers.ts';

function run(text: string): { out: string; warnings: string[]; diags: Diagnostics } {
  const source = src(text);
  const diags = new Diagnostics(source);
  const program = parseScript(source, diags);
  return {
    out: printProgram(program, {}),
    warnings: diags.list.filter((d) => d.severity === 'warning').map((d) => d.message),
    diags,
  };
}

describe('desugar: old syntax', () => {
  it('rewrites delete(@m[k]) to delete(@m, k)', () => {
    const r = run('begin { delete(@m[1]); }');
    assert.match(r.out, /delete\(@m, 1\);/);
    assert.deepEqual(r.warnings, ['delete(@m[key]) is deprecated']);
  });

  it('turns several keys into a tuple key', () => {
    assert.match(run('begin { delete(@m[1, "a"]); }').out, /delete\(@m, \(1, "a"\)\);/);
  });

  it('splits the old multi-map delete into one call per map', () => {
    assert.match(run('begin { delete(@a[1], @b[2]); }').out, /delete\(@a, 1\);\n {2}delete\(@b, 2\);/);
  });

  it('rewrites delete used as a value and inside macros', () => {
    assert.match(run('begin { $ok = delete(@m[tid]); }').out, /\$ok = delete\(@m, tid\);/);
    assert.match(run('macro d(@x) { delete(@x[1]); }\nbegin { d(@q); }').out, /delete\(@q, 1\);/);
  });

  it('leaves the current forms alone', () => {
    const r = run('begin { delete(@m, 1); delete(@s); $x = args->f; }');
    assert.deepEqual(r.warnings, []);
    assert.match(r.out, /delete\(@m, 1\);\n {2}delete\(@s\);\n {2}\$x = args->f;/);
  });

  it('warns about while loops, and --no-warnings silences it', () => {
    const r = run('begin { $i = 0; while ($i < 2) { $i++; } }');
    assert.deepEqual(r.warnings, ['While loops are deprecated and may be removed in the future.']);
    r.diags.suppressWarnings = true;
    assert.equal(r.diags.render(), '');
  });
});
