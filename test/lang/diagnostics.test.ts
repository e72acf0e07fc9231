import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompileAbort, Diagnostics } from '../../src/lang/diagnostics.ts';
import { parseScript } from '../../src/lang/frontend.ts';
import { parseText, src } from './helpers.ts';

const messages = (text: string): string[] => parseText(text).diags.list.map((d) => d.message);

describe('diagnostics: syntax errors look like bpftrace', () => {
  it('points at the unexpected token with a bison-style message', () => {
    assert.equal(
      parseText('BEGIN { printf("hi") ) }').errors,
      'stdin:1:22-23: ERROR: syntax error, unexpected ), expecting ;\nBEGIN { printf("hi") ) }\n                     ~\n',
    );
    assert.equal(
      parseText('BEGIN { @x[1 = 2; }').errors,
      'stdin:1:14-15: ERROR: syntax error, unexpected =, expecting ] or ","\nBEGIN { @x[1 = 2; }\n             ~\n',
    );
    assert.equal(parseText('BEGIN {').errors, 'stdin:1:7-8: ERROR: syntax error, unexpected end of file, expecting }\nBEGIN {\n      ~\n');
  });

  it('names tokens the way bison does', () => {
    assert.deepEqual(messages('BEGIN { print(1) print(2) }'), ['syntax error, unexpected identifier, expecting ;']);
    assert.deepEqual(messages('BEGIN { $x = 1 ? 2; }'), ['syntax error, unexpected ;, expecting :']);
    assert.deepEqual(messages('BEGIN { printf("a" "b"); }'), ['syntax error, unexpected string, expecting ) or ","']);
    assert.deepEqual(messages('kprobe:f /pid == 1 { }'), ['syntax error, unexpected {, expecting end predicate']);
    assert.deepEqual(messages('BEGIN { for (x : @m) {} }'), ['syntax error, unexpected identifier, expecting variable']);
  });

  it('recovers and reports several errors in one run', () => {
    const m = messages('BEGIN { $a = ; $b = 2; $c = ) ; print($b) }\nkprobe:f { @x = ; }');
    assert.deepEqual(m, ['syntax error, unexpected ;', 'syntax error, unexpected )', 'syntax error, unexpected ;']);
  });

  it('suggests the provider for a typo', () => {
    assert.deepEqual(messages('tracpoint:a:b { }'), ["unknown provider 'tracpoint'; did you mean 'tracepoint'?"]);
    assert.deepEqual(messages('kprob:f { }'), ["unknown provider 'kprob'; did you mean 'kprobe'?"]);
    assert.deepEqual(messages('uretprob:/bin/sh:f { }'), ["unknown provider 'uretprob'; did you mean 'uretprobe'?"]);
  });

  it('explains filters written without slashes', () => {
    const r = parseText('kprobe:do_sys_open pid == 42 { }');
    assert.equal(r.diags.list.length, 1);
    assert.deepEqual(r.diags.list[0]?.hints, [
      'a filter is written between slashes after the probe: kprobe:do_sys_open /pid == 42/ { ... }',
    ]);
    const q = parseText('kprobe:do_sys_open:filter: { }');
    assert.deepEqual(
      q.diags.list.map((d) => d.message),
      ["'filter' is not part of an attach point"],
    );
    assert.match(q.diags.list[0]?.hints[0] ?? '', /kprobe:do_sys_open \/pid == 1234\//);
  });

  it('says what is wrong with assignments', () => {
    assert.deepEqual(messages('BEGIN { x = 1; }'), ["cannot assign to 'x'"]);
    assert.deepEqual(messages('BEGIN { pid = 1; }'), ["cannot assign to builtin 'pid'"]);
    assert.deepEqual(messages('BEGIN { 1 = 2; }'), ['invalid assignment target']);
    assert.deepEqual(messages('BEGIN { $t.0 = 1; }'), [
      'Tuples are immutable once created. Consider creating a new tuple and assigning it instead.',
    ]);
  });

  it('bounds nesting instead of overflowing the stack', () => {
    assert.deepEqual(messages(`BEGIN { $x = ${'('.repeat(400)}1${')'.repeat(400)}; }`), ['nesting too deep (more than 150 levels)']);
  });
});

describe('diagnostics: the front end', () => {
  it('throws CompileAbort after errors, with the errors collected', () => {
    const source = src('BEGIN { $x = ; }');
    const diags = new Diagnostics(source);
    assert.throws(() => parseScript(source, diags), CompileAbort);
    assert.equal(diags.list.length, 1);
  });

  it('returns a partial program when asked', () => {
    const source = src('BEGIN { $x = ; } END { }');
    const diags = new Diagnostics(source);
    const p = parseScript(source, diags, { partial: true });
    assert.equal(p.items.length, 2);
  });
});

describe('diagnostics: recovery after raw-scanned attach points', () => {
  it('backtracks to the right place after a failed guess', () => {
    assert.deepEqual(messages('kprobe:f $x = 1 { }\nBEGIN { }'), ['syntax error, unexpected variable, expecting {']);
    const r = parseText('kprobe:f $x = 1 { }\nBEGIN { print(1); }');
    assert.equal(r.program.items.length, 1);
  });
});
