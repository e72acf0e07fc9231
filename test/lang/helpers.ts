// Shared helpers for the language tests: parse a snippet, get diagnostics as text, strip ids
// and spans so trees can be compared structurally.

import type { Expr, Probe, Program, SourceFile, Stmt } from '../../src/lang/ast.ts';
import { Diagnostics } from '../../src/lang/diagnostics.ts';
import { type FrontendOptions, parseScript } from '../../src/lang/frontend.ts';
import { parseDetailed } from '../../src/lang/parser.ts';
import { printProgram } from '../../src/lang/printer.ts';

export function src(text: string, name = 'stdin'): SourceFile {
  return { name, text };
}

/** The last probe's body after the front end (defines, macros...), printed. */
export function frontendBody(text: string, opts: FrontendOptions = {}): string {
  const source = src(text);
  const p = parseScript(source, new Diagnostics(source), opts);
  return printProgram(p, {}).split('\n{\n').at(-1) ?? '';
}

export interface Parsed {
  program: Program;
  diags: Diagnostics;
  /** Rendered diagnostics, as bpftrace prints them. */
  errors: string;
}

export function parseText(text: string): Parsed {
  const source = src(text);
  const diags = new Diagnostics(source);
  const { program } = parseDetailed(source, diags);
  return { program, diags, errors: diags.render() };
}

/** Parses, failing the test (with the messages) if there are diagnostics. */
export function parseOk(text: string): Program {
  const r = parseText(text);
  if (r.diags.list.length > 0) throw new Error(`unexpected diagnostics for ${JSON.stringify(text)}:\n${r.errors}`);
  return r.program;
}

export function firstProbe(p: Program): Probe {
  const probe = p.items.find((i) => i.kind === 'Probe');
  if (probe?.kind !== 'Probe') throw new Error('no probe');
  return probe;
}

/** The statements of the first probe of `begin { <body> }`. */
export function stmtsOf(body: string): Stmt[] {
  return firstProbe(parseOk(`begin { ${body} }`)).body.stmts;
}

/** The expression of `begin { $__ = <expr>; }`. */
export function exprOf(text: string): Expr {
  const s = stmtsOf(`$__ = ${text};`)[0];
  if (s?.kind !== 'AssignStmt') throw new Error('not an assignment');
  return s.value;
}

/** A compact, span- and id-free rendering of an expression tree for precise shape checks. */
export function shape(e: Expr): string {
  switch (e.kind) {
    case 'IntegerLit':
      return e.value.toString();
    case 'StringLit':
      return JSON.stringify(e.value);
    case 'BoolLit':
      return String(e.value);
    case 'Variable':
      return `$${e.name}`;
    case 'MapRef':
      return `@${e.name}`;
    case 'Identifier':
      return e.name;
    case 'PositionalParam':
      return `$${e.index}`;
    case 'PositionalCount':
      return '$#';
    case 'MapAccess':
      return `@${e.map.name}[${e.keys.map(shape).join(', ')}]`;
    case 'Call':
      return `${e.callee}(${e.args.map(shape).join(', ')})`;
    case 'Binary':
      return `(${shape(e.left)} ${e.op} ${shape(e.right)})`;
    case 'Unary':
      return `(${e.op}${shape(e.operand)})`;
    case 'Update':
      return e.prefix ? `(${e.op}${shape(e.target)})` : `(${shape(e.target)}${e.op})`;
    case 'Ternary':
      return `(${shape(e.cond)} ? ${shape(e.then)} : ${shape(e.else)})`;
    case 'FieldAccess':
      return `${shape(e.base)}${e.arrow ? '->' : '.'}${e.field}`;
    case 'TupleIndex':
      return `${shape(e.base)}.${e.index}`;
    case 'IndexExpr':
      return `${shape(e.base)}[${shape(e.index)}]`;
    case 'Cast':
      return `cast<${e.type.name}${'*'.repeat(e.type.pointerDepth)}${e.type.arrayLen !== null ? `[${e.type.arrayLen}]` : ''}>(${shape(e.expr)})`;
    case 'TupleExpr':
      return `tuple(${e.elems.map(shape).join(', ')})`;
    case 'RecordExpr':
      return `record(${e.fields.map((f) => `${f.name}=${shape(f.value)}`).join(', ')})`;
    case 'SizeofExpr':
      return `sizeof(${e.arg.kind === 'TypeExpr' ? `type ${e.arg.name}` : shape(e.arg)})`;
    case 'TypeofExpr':
      return `typeof(${e.arg.kind === 'TypeExpr' ? `type ${e.arg.name}` : shape(e.arg)})`;
    case 'OffsetofExpr':
      return `offsetof(${e.base.kind === 'TypeExpr' ? `type ${e.base.name}` : shape(e.base)}, ${e.fields.join('.')})`;
    case 'BlockExpr':
      return `{${e.stmts.length} stmts; ${shape(e.value)}}`;
  }
}
