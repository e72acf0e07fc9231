// The formatter behind `--fmt`: canonical bpftrace source from an AST. Given the original
// source and its comments it also keeps the comments (own-line and end-of-line ones) and single
// blank lines between statements, so reformatting a script loses nothing but layout.
//
// Output is stable: printing, parsing and printing again gives the same text.

import type { Block, Expr, IfStmt, MacroDef, Probe, Program, SourceFile, Span, Stmt, TopLevel } from './ast.ts';
import { unreachable } from './ast.ts';
import { Diagnostics } from './diagnostics.ts';
import { parseDetailed } from './parser.ts';
import { ExprPrinter, printType, quoteString } from './print-expr.ts';

export { dumpAst } from './ast-dump.ts';
export { printType } from './print-expr.ts';

export interface PrintOptions {
  /** The text the program was parsed from; enables comment and blank-line preservation. */
  source?: SourceFile;
  /** Comment spans from the parse (ParseResult.comments). */
  comments?: Span[];
}

const sources = new WeakMap<Program, SourceFile>();

/**
 * Records the source a compiled program came from. Desugaring and macro expansion rewrite the
 * tree, so printProgram(compiledProgram) re-parses this source and formats the script as the
 * user wrote it, comments included.
 */
export function rememberSource(compiled: Program, source: SourceFile): void {
  sources.set(compiled, source);
}

export function printProgram(program: Program, opts?: PrintOptions): string {
  if (!opts) {
    const source = sources.get(program);
    if (source) {
      const written = parseDetailed(source, new Diagnostics(source));
      return new Printer(source.text, written.comments).program(written.program);
    }
  }
  const source = opts?.source;
  return new Printer(source?.text ?? null, source ? (opts?.comments ?? []) : []).program(program);
}

/** One expression as source text (for messages and tests). */
export function printExpr(e: Expr): string {
  return new Printer(null, []).expr(e, 0);
}

class Printer {
  private readonly out: string[] = [];
  private ci = 0;
  /** End offset of the last source construct emitted; comments and blank lines are placed relative to it. */
  private lastEnd = 0;
  /** Just opened a block (or at file start): a blank line here would be noise. */
  private atBlockStart = true;
  /** Between top-level items a blank line is due before whatever comes next on its own line. */
  private blankDue = false;
  private readonly exprs: ExprPrinter;

  constructor(
    private readonly text: string | null,
    private readonly comments: Span[],
  ) {
    this.exprs = new ExprPrinter((stmts, indent) => {
      const sub = new Printer(null, []);
      for (const s of stmts) sub.stmt(s, indent);
      return sub.out;
    });
  }

  expr(e: Expr, indent: number): string {
    return this.exprs.print(e, indent);
  }

  program(p: Program): string {
    let prev: TopLevel | null = null;
    for (const item of p.items) {
      if (prev) {
        this.flushSameLine();
        this.blankDue = !(isPreprocessor(prev) && isPreprocessor(item)) || this.blankInSource(prev.span.end, item.span.start);
      }
      this.flushComments(item.span.start, 0);
      this.topLevel(item);
      this.lastEnd = item.span.end;
      prev = item;
    }
    if (prev) {
      this.flushSameLine();
      this.blankDue = true;
    }
    this.flushComments(Number.POSITIVE_INFINITY, 0);
    return this.out.length ? `${this.out.join('\n')}\n` : '';
  }

  // ------------------------------------------------------------------ layout helpers

  private blankInSource(from: number, to: number): boolean {
    if (this.text === null || to <= from) return false;
    let n = 0;
    for (let i = from; i < to; i++) {
      const c = this.text.charCodeAt(i);
      if (c === 10) {
        if (++n >= 2) return true;
      } else if (c !== 32 && c !== 9 && c !== 13) {
        n = 0;
      }
    }
    return false;
  }

  /** Emits a line of its own; `pos` is where its content starts in the source, if anywhere. */
  private line(indent: number, s: string, pos: number | null): void {
    const wantBlank = this.blankDue || (pos !== null && !this.atBlockStart && this.blankInSource(this.lastEnd, pos));
    if (wantBlank && this.out.length > 0 && this.out[this.out.length - 1] !== '') this.out.push('');
    this.blankDue = false;
    this.atBlockStart = false;
    const pad = '  '.repeat(indent);
    for (const l of s.split('\n')) this.out.push(l === '' ? '' : pad + l);
  }

  /** Multi-line pieces (block expressions) are already indented after their first line. */
  private lineRaw(indent: number, s: string, pos: number | null): void {
    const [first, ...rest] = s.split('\n');
    this.line(indent, first ?? '', pos);
    for (const r of rest) this.out.push(r);
  }

  private flushComments(upTo: number, indent: number): void {
    const text = this.text;
    if (text === null) return;
    while (this.ci < this.comments.length) {
      const c = this.comments[this.ci] as Span;
      if (c.start >= upTo) break;
      this.ci++;
      // Carriage returns of CRLF files would otherwise survive inside comments only.
      const body = text.slice(c.start, c.end).replace(/\r(?=\n|$)/g, '');
      const sameLine =
        this.out.length > 0 &&
        this.lastEnd > 0 &&
        c.start >= this.lastEnd &&
        !text.slice(this.lastEnd, c.start).includes('\n') &&
        !body.includes('\n');
      if (sameLine && !this.blankDue) {
        this.out[this.out.length - 1] += ` ${body}`;
      } else {
        this.line(indent, reindentComment(body), c.start);
      }
      this.lastEnd = Math.max(this.lastEnd, c.end);
    }
  }

  /** End-of-line comments right after what was printed last stay on its line. */
  private flushSameLine(): void {
    const text = this.text;
    if (text === null) return;
    const c = this.comments[this.ci];
    if (!c) return;
    const gap = text.slice(this.lastEnd, c.start);
    if (c.start >= this.lastEnd && !gap.includes('\n')) this.flushComments(c.start + 1, 0);
  }

  // ------------------------------------------------------------------ top level

  private topLevel(item: TopLevel): void {
    switch (item.kind) {
      case 'Include':
        this.line(0, item.system ? `#include <${item.path}>` : `#include "${item.path}"`, item.span.start);
        return;
      case 'CDefinition':
        this.line(0, item.text, item.span.start);
        return;
      case 'Import':
        this.line(0, `import ${quoteString(item.path)};`, item.span.start);
        return;
      case 'ConfigBlock':
        this.line(0, 'config = {', item.span.start);
        this.enterBlock(item.span.start);
        for (const e of item.entries) {
          this.flushComments(e.span.start, 1);
          this.line(1, `${e.key} = ${this.expr(e.value, 1)};`, e.span.start);
          this.lastEnd = e.span.end;
        }
        this.closeBlock(item.span, 0);
        return;
      case 'MapDecl':
        this.line(0, `let @${item.name} = ${item.mapKind}(${item.args.map((a) => this.expr(a, 0)).join(', ')});`, item.span.start);
        return;
      case 'MacroDef':
        this.macro(item);
        return;
      case 'Probe':
        this.probe(item);
        return;
      default:
        unreachable(item);
    }
  }

  private macro(m: MacroDef): void {
    const params = m.params.map((p) => this.expr(p, 0)).join(', ');
    this.line(0, `macro ${m.name}(${params})`, m.span.start);
    this.line(0, '{', null);
    this.enterBlock(m.body.span.start);
    for (const s of m.body.stmts) this.stmt(s, 1);
    if (m.value) {
      this.flushComments(m.value.span.start, 1);
      const v = this.expr(m.value, 1);
      this.lineRaw(1, v.startsWith('{') ? `(${v})` : v, m.value.span.start);
      this.lastEnd = m.value.span.end;
    }
    this.closeBlock(m.body.span, 0);
  }

  private probe(p: Probe): void {
    p.attachPoints.forEach((ap, i) => {
      if (i > 0) this.flushComments(ap.span.start, 0);
      const last = i === p.attachPoints.length - 1;
      this.line(0, last ? ap.raw : `${ap.raw},`, ap.span.start);
      this.lastEnd = ap.span.end;
    });
    if (p.predicate) {
      this.flushComments(p.predicate.span.start, 0);
      this.lineRaw(0, `/${this.expr(p.predicate, 0)}/`, null);
      this.lastEnd = p.predicate.span.end;
    }
    this.flushComments(p.body.span.start, 0);
    this.line(0, '{', null);
    this.enterBlock(p.body.span.start);
    for (const s of p.body.stmts) this.stmt(s, 1);
    this.closeBlock(p.body.span, 0);
  }

  private enterBlock(openBraceAt: number): void {
    this.lastEnd = Math.max(this.lastEnd, openBraceAt + 1);
    this.atBlockStart = true;
  }

  /** Comments before the `}`, then the `}` line itself. */
  private closeBlock(span: Span, indent: number, suffix = ''): void {
    this.flushComments(span.end - 1, indent + 1);
    this.atBlockStart = false;
    this.blankDue = false;
    this.out.push(`${'  '.repeat(indent)}}${suffix}`);
    this.lastEnd = span.end;
  }

  // ------------------------------------------------------------------ statements

  stmt(s: Stmt, indent: number): void {
    this.flushComments(s.span.start, indent);
    const at = s.span.start;
    switch (s.kind) {
      case 'ExprStmt': {
        const e = this.expr(s.expr, indent);
        // `{ ...; value }` as a statement reads back as this block expression; any other
        // statement starting with `{` would be read back as a nested block.
        if (s.expr.kind === 'BlockExpr') this.lineRaw(indent, e, at);
        else this.lineRaw(indent, `${e.startsWith('{') ? `(${e})` : e};`, at);
        break;
      }
      case 'AssignStmt':
        this.lineRaw(indent, `${this.expr(s.target, indent)} ${s.op} ${this.expr(s.value, indent)};`, at);
        break;
      case 'VarDeclStmt': {
        let t = `let $${s.variable.name}`;
        if (s.declaredType) t += `: ${printType(s.declaredType, (x) => this.expr(x, indent))}`;
        if (s.value) t += ` = ${this.expr(s.value, indent)}`;
        this.lineRaw(indent, `${t};`, at);
        break;
      }
      case 'IfStmt':
        this.ifStmt(s, indent, 'if');
        break;
      case 'WhileStmt':
        this.blockStmt(`while (${this.expr(s.cond, indent)}) {`, s.body, indent, at);
        break;
      case 'ForMapStmt':
        this.blockStmt(`for ($${s.variable.name} : @${s.map.name}) {`, s.body, indent, at);
        break;
      case 'ForRangeStmt':
        this.blockStmt(`for ($${s.variable.name} : ${this.expr(s.start, indent)}..${this.expr(s.end, indent)}) {`, s.body, indent, at);
        break;
      case 'UnrollStmt':
        this.blockStmt(`unroll(${this.expr(s.count, indent)}) {`, s.body, indent, at);
        break;
      case 'JumpStmt':
        this.line(indent, `${s.jump};`, at);
        break;
      case 'ReturnStmt':
        this.lineRaw(indent, s.value ? `return ${this.expr(s.value, indent)};` : 'return;', at);
        break;
      case 'Block':
        this.blockStmt('{', s, indent, at);
        break;
      default:
        unreachable(s);
    }
    this.lastEnd = Math.max(this.lastEnd, s.span.end);
  }

  private blockStmt(header: string, body: Block, indent: number, at: number): void {
    this.lineRaw(indent, header, at);
    this.body(body, indent);
    this.closeBlock(body.span, indent);
  }

  private body(b: Block, indent: number): void {
    this.enterBlock(b.span.start);
    for (const s of b.stmts) this.stmt(s, indent + 1);
  }

  private ifStmt(s: IfStmt, indent: number, keyword: string): void {
    const header = `${keyword}${s.comptime ? ' comptime' : ''} (${this.expr(s.cond, indent)}) {`;
    if (keyword === 'if') this.lineRaw(indent, header, s.span.start);
    else this.out[this.out.length - 1] += ` ${header}`;
    this.body(s.then, indent);
    this.closeBlock(s.then.span, indent);
    if (!s.else) return;
    if (s.else.kind === 'IfStmt') {
      this.ifStmt(s.else, indent, 'else if');
      return;
    }
    this.out[this.out.length - 1] += ' else {';
    this.body(s.else, indent);
    this.closeBlock(s.else.span, indent);
  }
}

function isPreprocessor(item: TopLevel): boolean {
  return item.kind === 'Include' || (item.kind === 'CDefinition' && item.text.startsWith('#'));
}

/** Continuation lines of a block comment are re-indented; a `*` column stays aligned. */
function reindentComment(body: string): string {
  if (!body.includes('\n')) return body;
  const [first, ...rest] = body.split('\n');
  return [first, ...rest.map((l) => (l.trimStart().startsWith('*') ? ` ${l.trim()}` : l.trim()))].join('\n');
}
