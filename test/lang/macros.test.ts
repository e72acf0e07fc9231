import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Expr, Program, Stmt } from '../../src/lang/ast.ts';
import { Diagnostics } from '../../src/lang/diagnostics.ts';
import { parseScript } from '../../src/lang/frontend.ts';
import { printProgram } from '../../src/lang/printer.ts';
import { src } from './helpers.ts';

function expand(text: string): { program: Program; errors: string } {
  const source = src(text);
  const diags = new Diagnostics(source);
  const program = parseScript(source, diags, { partial: true });
  return { program, errors: diags.render() };
}

/** The expanded body of the last probe, printed. */
function body(text: string): string {
  const r = expand(text);
  assert.equal(r.errors, '');
  return printProgram(r.program, {}).split('\n{\n').at(-1) ?? '';
}

function errorsOf(text: string): string[] {
  const source = src(text);
  const diags = new Diagnostics(source);
  parseScript(source, diags, { partial: true });
  return diags.list.filter((d) => d.severity === 'error').map((d) => d.message);
}

describe('macros: expansion', () => {
  it('replaces expression parameters and yields the trailing value', () => {
    assert.equal(body('macro add_one(x) { x + 1 }\nbegin { print(add_one(2 * 3)); }'), '  print({ 2 * 3 + 1 });\n}\n');
  });

  it('expands bare names of macros without parameters', () => {
    assert.equal(body('macro one() { 1 }\nbegin { print(one); print(one()); }'), '  print({ 1 });\n  print({ 1 });\n}\n');
  });

  it('binds $var and @map parameters to the caller', () => {
    assert.equal(
      body('macro inc($a, @b) { $a += 1; @b[1] += 1; }\nbegin { $x = 1; inc($x, @m); }'),
      '  $x = 1;\n  {\n    $x += 1;\n    @m[1] += 1;\n  }\n}\n',
    );
  });

  it('renames variables the macro creates', () => {
    assert.equal(
      body('macro twice(x) { let $t = x; $t * 2 }\nbegin { $t = 5; print(twice($t)); }'),
      '  $t = 5;\n  print({\n    let $$twice_t = { $t };\n    $$twice_t * 2\n  });\n}\n',
    );
  });

  it('wraps variables passed to expression parameters so they cannot be assigned', () => {
    const r = expand('macro id(x) { x }\nbegin { $v = 1; print(id($v)); }');
    const probe = r.program.items[0];
    assert.ok(probe?.kind === 'Probe');
    const call = (probe.body.stmts[1] as Stmt & { kind: 'ExprStmt' }).expr;
    assert.ok(call.kind === 'Call');
    const arg = call.args[0] as Expr;
    assert.ok(arg.kind === 'BlockExpr' && arg.value.kind === 'BlockExpr' && arg.value.value.kind === 'Variable');
  });

  it('expands nested macros in the macro context', () => {
    assert.equal(
      body('macro add_one(x) { x + 1 }\nmacro add_two(x) { add_one(x) + 1 }\nbegin { print(add_two(1)); }'),
      '  print({ ({ 1 + 1 } + 1) });\n}\n',
    );
  });

  it('substitutes types passed with typeof', () => {
    assert.equal(body('macro p_cast(a, b) { (a*)b }\nbegin { print(p_cast(typeof(uint8), -1)); }'), '  print({ (uint8 *)-1 });\n}\n');
    assert.equal(
      body('macro sz(t) { sizeof(t) }\nbegin { print(sz(typeof(struct task_struct))); }'),
      '  print({ sizeof(struct task_struct) });\n}\n',
    );
  });

  it('picks the overload matching the argument kinds', () => {
    const text =
      'macro d(@m, $k) { 1 }\nmacro d(@m, k) { 2 }\nmacro d(@m) { 3 }\nbegin { $k = 0; print(d(@a, $k)); print(d(@a, 5)); print(d(@a)); }';
    assert.equal(body(text), '  $k = 0;\n  print({ 1 });\n  print({ 2 });\n  print({ 3 });\n}\n');
  });

  it('does not expand names used as types', () => {
    assert.equal(body('macro foo() { 1 }\nbegin { print(sizeof(foo)); print(foo); }'), '  print(sizeof(foo));\n  print({ 1 });\n}\n');
  });

  it('turns a trailing if/else into the value', () => {
    assert.equal(
      body('macro sign($c) { if ($c > 0) { 1 } else if ($c < 0) { -1 } else { 0 } }\nbegin { $v = 2; print(sign($v)); }'),
      '  $v = 2;\n  print({ $v > 0 ? { 1 } : $v < 0 ? { -1 } : { 0 } });\n}\n',
    );
  });

  it('drops macro definitions from the program', () => {
    const r = expand('macro one() { 1 }\nbegin { }');
    assert.deepEqual(
      r.program.items.map((i) => i.kind),
      ['Probe'],
    );
  });

  it('gives every expanded node a fresh id', () => {
    const r = expand('macro one() { 1 + 2 }\nbegin { print(one()); print(one()); }');
    const ids: number[] = [];
    const walk = (n: unknown): void => {
      if (n && typeof n === 'object') {
        const o = n as Record<string, unknown>;
        if (typeof o.id === 'number') ids.push(o.id);
        for (const v of Object.values(o)) walk(v);
      }
    };
    walk(r.program);
    assert.equal(new Set(ids).size, ids.length);
  });
});

describe('macros: diagnostics', () => {
  it('reports recursion with the call chain', () => {
    assert.deepEqual(errorsOf('macro a() { b() }\nmacro b() { a() }\nbegin { a(); }'), [
      'Recursive macro call detected. Call chain: a > b > a',
    ]);
  });

  it('reports a wrong number of arguments', () => {
    assert.deepEqual(errorsOf('macro f(x, y) { x }\nbegin { f(1); }'), [
      'Call to f() has the wrong number of arguments. Expected: 2 but got 1.',
    ]);
  });

  it('reports mismatched argument kinds', () => {
    assert.deepEqual(errorsOf('macro f($x) { $x }\nbegin { print(f(1)); }'), [
      'Call to f() has arguments that do not match any definition.',
      'Mismatched arg. f() expects a variable for arg $x but got an expression.',
    ]);
  });

  it('reports unhygienic accesses', () => {
    assert.deepEqual(errorsOf('macro f() { @m = 1; $v }\nbegin { print(f()); }'), [
      'Unhygienic access to map: @m. Maps must be passed into the macro as arguments.',
      'Unhygienic access to variable: $v. Variables must be passed into the macro as arguments.',
    ]);
  });

  it('reports a value-less macro used as a value', () => {
    assert.deepEqual(errorsOf('macro f() { print(1); }\nbegin { $x = f(); f(); }'), ['macro f() does not produce a value']);
  });

  it('reports redefinitions and repeated parameters', () => {
    assert.deepEqual(errorsOf('macro f(x) { 1 }\nmacro f(y) { 2 }\nmacro g($a, $a) { 1 }\nbegin { }'), [
      'Redefinition of macro: f',
      'Variable for macro argument has already been used: $a',
    ]);
  });

  it('reports a shadowed parameter', () => {
    assert.deepEqual(errorsOf('macro f($a) { let $a = 1; $a }\nbegin { $x = 1; print(f($x)); }'), [
      'Variable declaration shadows macro arg $a',
    ]);
  });
});

describe('macros: explicit macro calls', () => {
  it('reports an unknown macro written name!()', () => {
    assert.deepEqual(errorsOf('macro greet() { print("hi"); }\nbegin { gret!(); }'), ["unknown macro 'gret'; did you mean 'greet'?"]);
    assert.deepEqual(errorsOf('begin { nothing!(); }'), ["unknown macro 'nothing'"]);
    assert.deepEqual(errorsOf('macro greet() { print("hi"); }\nbegin { greet!(); }'), []);
  });
});
