// Expressions and types as canonical source text. Parentheses are emitted exactly where the
// grammar needs them, so printing then parsing gives back the same tree.

import type { Expr, Stmt, TypeExpr } from './ast.ts';
import { unreachable } from './ast.ts';
import { BINARY_PREC } from './precedence.ts';

const PREC_TERNARY = 0;
const PREC_UNARY = 11;
const PREC_POSTFIX = 12;
const PREC_PRIMARY = 13;

export function precedence(e: Expr): number {
  switch (e.kind) {
    case 'Ternary':
      return PREC_TERNARY;
    case 'Binary':
      return BINARY_PREC[e.op];
    case 'Unary':
    case 'Cast':
      return PREC_UNARY;
    case 'Update':
      return e.prefix ? PREC_UNARY : PREC_POSTFIX;
    case 'FieldAccess':
    case 'TupleIndex':
    case 'IndexExpr':
    case 'Call':
    case 'MapAccess':
      return PREC_POSTFIX;
    default:
      return PREC_PRIMARY;
  }
}

/** Prints statements of a block expression; supplied by the statement printer. */
export type BlockPrinter = (stmts: Stmt[], indent: number) => string[];

export class ExprPrinter {
  constructor(private readonly printStmts: BlockPrinter) {}

  print(e: Expr, indent = 0): string {
    switch (e.kind) {
      case 'IntegerLit':
        return e.text !== '' ? e.text : e.value.toString();
      case 'StringLit':
        return quoteString(e.value);
      case 'BoolLit':
        return e.value ? 'true' : 'false';
      case 'PositionalParam':
        return `$${e.index}`;
      case 'PositionalCount':
        return '$#';
      case 'Variable':
        return `$${e.name}`;
      case 'MapRef':
        return `@${e.name}`;
      case 'MapAccess':
        return `@${e.map.name}[${e.keys.map((k) => this.print(k, indent)).join(', ')}]`;
      case 'Identifier':
        return e.name;
      case 'Call': {
        // typeinfo(ARG) is parsed as typeinfo(typeof(ARG)): printed as it was written.
        const [only] = e.args;
        if (e.callee === 'typeinfo' && e.args.length === 1 && only?.kind === 'TypeofExpr') {
          return `typeinfo(${only.arg.kind === 'TypeExpr' ? printType(only.arg, (x) => this.print(x, indent)) : this.print(only.arg, indent)})`;
        }
        return `${e.callee}(${e.args.map((a) => this.print(a, indent)).join(', ')})`;
      }
      case 'Binary': {
        const p = precedence(e);
        const l = this.wrap(e.left, precedence(e.left) < p, indent);
        const r = this.wrap(e.right, precedence(e.right) <= p, indent);
        return `${l} ${e.op} ${r}`;
      }
      case 'Unary': {
        let operand = this.wrap(e.operand, precedence(e.operand) < PREC_UNARY, indent);
        // `- -x` must not become `--x`, nor `& &x` become `&&x`.
        if ((e.op === '-' || e.op === '+' || e.op === '&') && operand.startsWith(e.op)) {
          operand = `(${operand})`;
        }
        return `${e.op}${operand}`;
      }
      case 'Update':
        return e.prefix
          ? `${e.op}${this.wrap(e.target, precedence(e.target) < PREC_POSTFIX, indent)}`
          : `${this.wrap(e.target, precedence(e.target) < PREC_POSTFIX, indent)}${e.op}`;
      case 'Ternary': {
        const c = this.wrap(e.cond, precedence(e.cond) <= PREC_TERNARY, indent);
        return `${c} ? ${this.print(e.then, indent)} : ${this.print(e.else, indent)}`;
      }
      case 'FieldAccess':
        return `${this.postfixBase(e.base, indent)}${e.arrow ? '->' : '.'}${e.field}`;
      case 'TupleIndex': {
        const base = e.base.kind === 'IntegerLit' ? `(${this.print(e.base, indent)})` : this.postfixBase(e.base, indent);
        return `${base}.${e.index}`;
      }
      case 'IndexExpr': {
        // `@m[0]` would read back as a map lookup; indexing a map's value needs the parentheses.
        const base = e.base.kind === 'MapRef' ? `(${this.print(e.base, indent)})` : this.postfixBase(e.base, indent);
        return `${base}[${this.print(e.index, indent)}]`;
      }
      case 'Cast': {
        let operand = this.print(e.expr, indent);
        if (precedence(e.expr) < PREC_UNARY || !startsOperand(operand)) operand = `(${operand})`;
        return `(${printType(e.type, (x) => this.print(x, indent))})${operand}`;
      }
      case 'TupleExpr':
        if (e.elems.length === 1) return `(${this.print(e.elems[0] as Expr, indent)},)`;
        return `(${e.elems.map((x) => this.print(x, indent)).join(', ')})`;
      case 'RecordExpr':
        return `(${e.fields.map((f) => `${f.name} = ${this.print(f.value, indent)}`).join(', ')})`;
      case 'SizeofExpr':
        return `sizeof(${e.arg.kind === 'TypeExpr' ? printType(e.arg, (x) => this.print(x, indent)) : this.print(e.arg, indent)})`;
      case 'TypeofExpr':
        return `typeof(${e.arg.kind === 'TypeExpr' ? printType(e.arg, (x) => this.print(x, indent)) : this.print(e.arg, indent)})`;
      case 'OffsetofExpr': {
        const base = e.base.kind === 'TypeExpr' ? printType(e.base, (x) => this.print(x, indent)) : this.print(e.base, indent);
        return `offsetof(${base}, ${e.fields.join('.')})`;
      }
      case 'BlockExpr': {
        // A value starting with `{` would read back as a nested block statement.
        const value = (ind: number): string => {
          const v = this.print(e.value, ind);
          return v.startsWith('{') ? `(${v})` : v;
        };
        if (e.stmts.length === 0) {
          const v = value(indent);
          if (!v.includes('\n')) return `{ ${v} }`;
        }
        const pad = '  '.repeat(indent + 1);
        const lines = this.printStmts(e.stmts, indent + 1);
        lines.push(pad + value(indent + 1));
        return `{\n${lines.join('\n')}\n${'  '.repeat(indent)}}`;
      }
      default:
        return unreachable(e);
    }
  }

  private wrap(e: Expr, paren: boolean, indent: number): string {
    const s = this.print(e, indent);
    return paren ? `(${s})` : s;
  }

  private postfixBase(e: Expr, indent: number): string {
    return this.wrap(e, precedence(e) < PREC_POSTFIX, indent);
  }
}

/** Can text starting this way follow `(type)` and still be read as the cast's operand? */
function startsOperand(s: string): boolean {
  if (s.startsWith('++') || s.startsWith('--')) return false;
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) return true;
  return '$@"\'(-!~*&'.includes(s[0] ?? ' ');
}

/** A written type; `operand` prints the expression of a `typeof(expr)` type. */
export function printType(t: TypeExpr, operand: (e: Expr) => string = () => '...'): string {
  let s = t.of ? `typeof(${operand(t.of)})` : t.name;
  if (t.pointerDepth > 0) s += ` ${'*'.repeat(t.pointerDepth)}`;
  if (t.arrayLen !== null) s += `[${t.arrayLen === 0 ? '' : t.arrayLen}]`;
  if (t.arrayPointers) s += '*'.repeat(t.arrayPointers);
  return s;
}

/**
 * Quotes a string value (bytes as code units 0..255). Bytes 0x80 and up are written raw: the CLI
 * reads and writes scripts as bytes, so UTF-8 text passes through unchanged.
 */
export function quoteString(v: string): string {
  let out = '"';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 34) out += '\\"';
    else if (c === 92) out += '\\\\';
    else if (c === 10) out += '\\n';
    else if (c === 9) out += '\\t';
    else if (c === 13) out += '\\r';
    else if (c < 32 || c === 127) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += v[i];
  }
  return `${out}"`;
}
