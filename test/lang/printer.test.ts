import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BinaryOp, Expr, Span, TypeExpr } from '../../src/lang/ast.ts';
import { Diagnostics } from '../../src/lang/diagnostics.ts';
import { formatScript, parseScript } from '../../src/lang/frontend.ts';
import { printExpr, printProgram } from '../../src/lang/printer.ts';
import { exprOf, parseOk, shape, src } from './helpers.ts';

function fmt(text: string): string {
  const source = src(text);
  const diags = new Diagnostics(source);
  const out = formatScript(source, diags);
  assert.ok(out !== null, diags.render());
  return out;
}

describe('printer: canonical layout', () => {
  it('keeps if comptime', () => {
    assert.equal(
      fmt('BEGIN{if comptime (is_str($1)){print(1)}else if comptime probetype=="special"{print(2)}}'),
      `BEGIN
{
  if comptime (is_str($1)) {
    print(1);
  } else if comptime (probetype == "special") {
    print(2);
  }
}
`,
    );
  });

  it('lays out probes, predicates and blocks', () => {
    assert.equal(
      fmt('kprobe:a,kprobe:b/pid==1/{@x[comm]=count();if(1){print(1)}else{print(2)}}'),
      `kprobe:a,
kprobe:b
/pid == 1/
{
  @x[comm] = count();
  if (1) {
    print(1);
  } else {
    print(2);
  }
}
`,
    );
  });

  it('prints top-level items with one blank line between them', () => {
    assert.equal(
      fmt('#include <a.h>\n#include <b.h>\nconfig={x=1}\nlet @a=hash(10)\nmacro m($x){$x+1}\nBEGIN{}'),
      `#include <a.h>
#include <b.h>

config = {
  x = 1;
}

let @a = hash(10);

macro m($x)
{
  $x + 1
}

BEGIN
{
}
`,
    );
  });

  it('keeps literal spellings', () => {
    const out = fmt("BEGIN { $a = 0x1F + 0777 + 1_000 + 1e6 + 10ms + 5UL + 'a' + 0b11; }");
    assert.match(out, /\$a = 0x1F \+ 0777 \+ 1_000 \+ 1e6 \+ 10ms \+ 5UL \+ 'a' \+ 0b11;/);
  });

  it('escapes strings', () => {
    assert.equal(printExpr(exprOf('"a\\n\\t\\"\\\\\\x01\\x7f"')), '"a\\n\\t\\"\\\\\\x01\\x7f"');
  });

  it('keeps comments and single blank lines', () => {
    const text = '// head\nBEGIN {\n  // lead\n  $a = 1; // tail\n\n\n  $b = 2;\n  /* end */\n}\n// foot\n';
    assert.equal(fmt(text), '// head\nBEGIN\n{\n  // lead\n  $a = 1; // tail\n\n  $b = 2;\n  /* end */\n}\n\n// foot\n');
  });

  it('formats the program a front-end run came from, as written', () => {
    const source = src('macro one() { 1 }\nbegin { print(one()); delete(@a[1]); } // c\n');
    const program = parseScript(source, new Diagnostics(source));
    assert.equal(program.items.length, 1, 'macros are expanded away');
    assert.equal(printProgram(program), 'macro one()\n{\n  1\n}\n\nbegin\n{\n  print(one());\n  delete(@a[1]);\n} // c\n');
  });
});

// ---------------------------------------------------------------- random expressions round trip

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SP: Span = { start: 0, end: 0 };
let nextId = 1;
const base = (): { id: number; span: Span } => ({ id: nextId++, span: SP });

const BIN: BinaryOp[] = ['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>', '==', '!=', '<', '<=', '>', '>=', '&&', '||'];

function randomType(r: () => number): TypeExpr {
  const names = ['uint32', 'int8', 'struct task_struct', 'unsigned long', 'foo_t'];
  const name = names[Math.floor(r() * names.length)] as string;
  const pointerDepth = r() < 0.3 ? 1 : 0;
  // A bare unknown name (foo_t) is only a type where the grammar says so; keep it certain.
  const arrayLen = name === 'foo_t' && pointerDepth === 0 ? 4 : r() < 0.2 ? 8 : null;
  return { ...base(), kind: 'TypeExpr', name, pointerDepth, arrayLen, of: null };
}

function randomExpr(r: () => number, depth: number): Expr {
  const leaf = depth <= 0 || r() < 0.25;
  const pick = Math.floor(r() * (leaf ? 7 : 22));
  const sub = (): Expr => randomExpr(r, depth - 1);
  const lvalue = (): Expr =>
    r() < 0.5
      ? { ...base(), kind: 'Variable', name: 'v' }
      : { ...base(), kind: 'MapAccess', map: { ...base(), kind: 'MapRef', name: 'm' }, keys: [sub()] };
  switch (pick) {
    case 0:
      return { ...base(), kind: 'IntegerLit', value: 7n, text: '7', suffix: null, unit: null, isChar: false };
    case 1:
      return { ...base(), kind: 'StringLit', value: 'a"b\n' };
    case 2:
      return { ...base(), kind: 'Variable', name: 'x' };
    case 3:
      return { ...base(), kind: 'MapRef', name: r() < 0.2 ? '' : 'm' };
    case 4:
      return { ...base(), kind: 'Identifier', name: r() < 0.5 ? 'pid' : 'foo' };
    case 5:
      return { ...base(), kind: 'BoolLit', value: true };
    case 6:
      return { ...base(), kind: 'PositionalParam', index: 1 };
    case 7:
      return { ...base(), kind: 'Binary', op: BIN[Math.floor(r() * BIN.length)] as BinaryOp, left: sub(), right: sub() };
    case 8:
      return { ...base(), kind: 'Binary', op: BIN[Math.floor(r() * BIN.length)] as BinaryOp, left: sub(), right: sub() };
    case 9: {
      const ops = ['-', '!', '~', '*', '&', '+'] as const;
      return { ...base(), kind: 'Unary', op: ops[Math.floor(r() * ops.length)] ?? '-', operand: sub() };
    }
    case 10:
      return { ...base(), kind: 'Update', op: r() < 0.5 ? '++' : '--', prefix: r() < 0.5, target: lvalue() };
    case 11:
      return { ...base(), kind: 'Ternary', cond: sub(), then: sub(), else: sub() };
    case 12:
      return { ...base(), kind: 'FieldAccess', base: sub(), field: 'f', fieldSpan: SP, arrow: r() < 0.5 };
    case 13:
      return { ...base(), kind: 'TupleIndex', base: sub(), index: 1 };
    case 14:
      return { ...base(), kind: 'IndexExpr', base: sub(), index: sub() };
    case 15:
      return { ...base(), kind: 'Cast', type: randomType(r), expr: sub() };
    case 16: {
      const n = Math.floor(r() * 4);
      return { ...base(), kind: 'TupleExpr', elems: Array.from({ length: n }, sub) };
    }
    case 17:
      return {
        ...base(),
        kind: 'RecordExpr',
        fields: [
          { name: 'a', nameSpan: SP, value: sub() },
          { name: 'b', nameSpan: SP, value: sub() },
        ],
      };
    case 18:
      return { ...base(), kind: 'Call', callee: 'f', calleeSpan: SP, args: [sub(), sub()] };
    case 19:
      return { ...base(), kind: 'MapAccess', map: { ...base(), kind: 'MapRef', name: 'm' }, keys: [sub(), sub()] };
    case 20: {
      const k = Math.floor(r() * 3);
      if (k === 0) return { ...base(), kind: 'SizeofExpr', arg: r() < 0.5 ? randomType(r) : sub() };
      if (k === 1) return { ...base(), kind: 'TypeofExpr', arg: sub() };
      return { ...base(), kind: 'OffsetofExpr', base: randomType(r), fields: ['a', 'b'] };
    }
    default:
      return {
        ...base(),
        kind: 'BlockExpr',
        stmts: r() < 0.5 ? [] : [{ ...base(), kind: 'ExprStmt', expr: sub() }],
        value: sub(),
      };
  }
}

describe('printer: expressions print so that they parse back to the same tree', () => {
  it('round-trips random expression trees', () => {
    const r = rng(12345);
    for (let i = 0; i < 3000; i++) {
      const e = randomExpr(r, 4);
      const text = printExpr(e);
      const program = `begin { $__ = ${text}; }`;
      let back: Expr;
      try {
        back = exprOf(text);
      } catch (err) {
        throw new Error(`#${i}: ${text}\ndoes not parse: ${(err as Error).message}`);
      }
      assert.equal(shape(back), shape(e), `#${i}: ${program}`);
    }
  });

  it('round-trips statement-level oddities', () => {
    for (const text of ['({ 1 });', '({ 1 } + 2);', '$x = { ({ 1 }) };', '(1, 2).0;', '(@m)[1];', '-(-1);']) {
      const p = parseOk(`begin { ${text} }`);
      const again = parseOk(printProgram(p));
      assert.equal(printProgram(again), printProgram(p), text);
    }
  });
});
