// Recursive-descent parser for bpftrace scripts, both the 0.26 language and the older (0.17-era)
// syntax. It builds the AST of ast.ts; old forms that need rewriting are left to desugar.ts.
// This file holds the program level, probes and statements; expressions and types are in
// parse-expr.ts, the token stream and error machinery in parser-base.ts.
//
// Errors are reported to Diagnostics in bpftrace's words ("syntax error, unexpected X, expecting
// Y") and the parser resynchronises at the next `;` or `}` so one run shows several mistakes.
// Only CompileAbort-free behaviour is allowed out of here: internal aborts are caught, deep
// nesting is bounded, and every loop consumes input.

import type {
  AssignOp,
  AttachPoint,
  Block,
  BlockExpr,
  CDefinition,
  ConfigBlock,
  ConfigEntry,
  Expr,
  Identifier,
  IfStmt,
  Import,
  Include,
  MacroDef,
  MapDecl,
  MapRef,
  Probe,
  Program,
  SourceFile,
  Span,
  Stmt,
  Ternary,
  TopLevel,
  TypeExpr,
  Variable,
} from './ast.ts';
import { canonicalProvider, providerHintList, scanAttachPoint, splitAttachPoint, suggestProvider } from './attach-scan.ts';
import type { Diagnostics } from './diagnostics.ts';
import { IdGen } from './ids.ts';
import { describeToken, isIdentStart, KEYWORDS, skipLayoutFrom, type Token } from './lexer.ts';
import { isBuiltinValue, isCoreBuiltin } from './names.ts';
import { ExprParser } from './parse-expr.ts';
import { type BlockParts, NO_SPAN, SyntaxAbort, TooManyErrors } from './parser-base.ts';

export interface ParseResult {
  program: Program;
  /** Every comment (and a `#!` line) of the source, in order; the formatter re-inserts them. */
  comments: Span[];
  /** Continues the parse's id counter for passes that add nodes. */
  ids: IdGen;
  /** The script uses a form desugar.ts rewrites or warns about (old delete, while). */
  oldSyntax: boolean;
  /** Start offsets of calls written `name!(...)`, which can only be macro calls. */
  macroCalls: Set<number>;
}

export function parse(source: SourceFile, diags: Diagnostics): Program {
  return parseDetailed(source, diags).program;
}

export function parseDetailed(source: SourceFile, diags: Diagnostics, ids = new IdGen()): ParseResult {
  const p = new Parser(source, diags, ids);
  const program = p.parseProgram();
  return { program, comments: p.comments(), ids, oldSyntax: p.oldSyntax, macroCalls: p.macroCalls };
}

/**
 * Parses `source.text[start, end)` as one expression (a `#define` value), or returns null if it
 * is not exactly one expression. Reports nothing: such text may well be C that is not bpftrace.
 */
export function parseExpressionAt(source: SourceFile, start: number, end: number, ids: IdGen): Expr | null {
  const p = new Parser(source, null, ids);
  return p.expressionAt(start, end);
}

const ASSIGN_OPS: ReadonlySet<string> = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=']);

type Phase = 'c' | 'preamble' | 'main';

type StmtOrValue = { stmt: Stmt } | { value: Expr };

export class Parser extends ExprParser {
  private phase: Phase = 'c';
  private sawConfig = false;
  /** Trailing expressions of if/else branch blocks, so an `if` ending a value block can become a value. */
  private readonly branchValues = new Map<Block, Expr>();

  // ------------------------------------------------------------------ program

  parseProgram(): Program {
    const items: TopLevel[] = [];
    try {
      for (;;) {
        const t = this.peek();
        if (t.kind === 'eof') break;
        const before = t.start;
        try {
          const item = this.parseTopLevel();
          if (item) items.push(item);
        } catch (e) {
          if (!(e instanceof SyntaxAbort)) throw e;
          this.depth = 0;
          this.spine = 0;
          this.recoverTopLevel();
        }
        const after = this.peek();
        if (after.kind !== 'eof' && after.start === before) this.skipToken();
      }
      // Problems found at the very end (an unterminated comment) ride on the end-of-file token.
      this.advance();
    } catch (e) {
      if (e instanceof TooManyErrors) {
        this.diags?.error(null, 'too many errors, giving up');
      } else if (e instanceof RangeError) {
        // The depth bound should make this unreachable; never let a stack overflow escape.
        this.diags?.error(null, 'script is nested too deeply to parse');
      } else {
        throw e;
      }
    }
    return this.node({ id: 0, span: NO_SPAN, kind: 'Program', items }, 0, this.text.length);
  }

  private recoverTopLevel(): void {
    // Skip to the end of the current item: past a balanced `{...}` or a `;` at nesting level 0.
    let depth = 0;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') return;
      this.skipToken();
      if (t.kind === '{' || t.kind === '(' || t.kind === '[') depth++;
      else if (t.kind === '}' || t.kind === ')' || t.kind === ']') {
        depth = Math.max(0, depth - 1);
        if (depth === 0 && t.kind === '}') return;
      } else if (t.kind === ';' && depth === 0) return;
    }
  }

  private parseTopLevel(): TopLevel | null {
    const t = this.peek();
    if (t.kind === 'hash') return this.parsePreprocessor();
    if (t.kind === 'ident') {
      switch (t.text) {
        case 'config':
          if (this.peek(1).kind === '=') return this.parseConfig();
          break;
        case 'import':
          if (this.peek(1).kind === 'string') return this.parseImport();
          break;
        case 'macro':
          if (this.peek(1).kind === 'ident') return this.parseMacro();
          break;
        case 'let':
          return this.parseMapDecl();
        case 'struct':
        case 'union':
        case 'enum':
          if (this.looksLikeCDefinition(t.start)) return this.parseCDefinition('braces');
          break;
        case 'typedef':
          return this.parseCDefinition('semicolon');
        case 'fn':
          if (this.peek(1).kind === 'ident' && this.peek(2).kind === '(') {
            this.fail(
              { start: t.start, end: this.peek(1).end },
              "user-defined functions ('fn') are not supported",
              'use a macro instead: macro name($arg) { ... }',
            );
          }
          break;
        default:
          // Statement keywords cannot start a probe; say what is wrong rather than "unknown provider".
          if (KEYWORDS.has(t.text)) {
            this.unexpected(t, undefined, ...(t.text === 'else' ? ["'else' must directly follow the closing } of an if block"] : []));
          }
          break;
      }
      return this.parseProbe();
    }
    // `$1 { ... }`: a whole attach point from the command line (replaced when probes expand).
    if (t.kind === 'param' && this.peek(1).kind === '{') return this.parseProbe();
    if (t.kind === '{') {
      this.report(
        this.tokSpan(t),
        'No attach points for probe',
        'a probe starts with what to trace, e.g. begin { ... } or kprobe:vfs_read { ... }',
      );
      this.parseBlockParts(false);
      return null;
    }
    return this.unexpected(t);
  }

  private enterPhase(kind: 'c' | 'preamble' | 'main', span: Span): void {
    if (kind === 'c' && this.phase !== 'c') {
      this.report(span, 'C definitions must appear before config, imports, probes, macros and map declarations');
    } else if (kind === 'preamble' && this.phase === 'main') {
      this.report(span, 'config and import must appear before probes, macros and map declarations');
    }
    if (kind === 'main' || (kind === 'preamble' && this.phase === 'c')) this.phase = kind;
  }

  /** `#include <x>`, `#define ...` and other preprocessor lines (with `\` continuations). */
  private parsePreprocessor(): Include | CDefinition {
    const start = this.peek().start;
    const t = this.text;
    let end = start;
    for (;;) {
      let nl = t.indexOf('\n', end);
      if (nl < 0) nl = t.length;
      end = nl;
      let back = nl - 1;
      if (t.charCodeAt(back) === 13) back--;
      if (nl < t.length && t.charCodeAt(back) === 92) {
        end = nl + 1;
        continue;
      }
      break;
    }
    this.rescan(end);
    const line = t.slice(start, end).trimEnd();
    const span = { start, end: start + line.length };
    this.enterPhase('c', span);
    const inc = /^#\s*include\s*(?:<([^>\n]*)>|"([^"\n]*)")/.exec(line);
    if (inc) {
      const system = inc[1] !== undefined;
      return this.node({ id: 0, span: NO_SPAN, kind: 'Include', path: (system ? inc[1] : inc[2]) ?? '', system }, span.start, span.end);
    }
    if (/^#\s*include\b/.test(line)) {
      this.report(span, 'malformed #include: expected #include <file> or #include "file"');
    }
    return this.node({ id: 0, span: NO_SPAN, kind: 'CDefinition', text: line }, span.start, span.end);
  }

  /** `struct X {`, `union U __attribute__((packed)) {`, `enum {`: a C definition, not a probe. */
  private looksLikeCDefinition(p: number): boolean {
    const t = this.text;
    while (p < t.length && isIdentStart(t.charCodeAt(p))) p++;
    p = skipLayoutFrom(t, p);
    for (let guard = 0; guard < 64 && p < t.length; guard++) {
      const c = t[p];
      if (c === '{') return true;
      if (c === undefined) return false;
      if (isIdentStart(c.charCodeAt(0))) {
        while (p < t.length && /\w/.test(t[p] ?? '')) p++;
      } else if (c === '(' || c === '[') {
        p = balancedEnd(t, p);
        if (p < 0) return false;
      } else {
        return false;
      }
      p = skipLayoutFrom(t, p);
    }
    return false;
  }

  /** Keeps a C struct/union/enum definition or typedef as text for the C type parser. */
  private parseCDefinition(until: 'braces' | 'semicolon'): CDefinition {
    const start = this.peek().start;
    const t = this.text;
    let p = start;
    let depth = 0;
    let closed = false;
    while (p < t.length) {
      const c = t[p];
      if (c === '/' && (t[p + 1] === '/' || t[p + 1] === '*')) {
        p = skipLayoutFrom(t, p);
        continue;
      }
      if (c === '"' || c === "'") {
        p = quotedEnd(t, p);
        continue;
      }
      p++;
      if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (depth === 0 && until === 'braces') {
          closed = true;
          break;
        }
      } else if (c === ';' && depth === 0 && until === 'semicolon') {
        closed = true;
        break;
      }
    }
    if (!closed) {
      this.rescan(t.length);
      this.fail(
        { start, end: Math.min(t.length, start + 6) },
        `unterminated C ${until === 'braces' ? 'definition' : 'typedef'}: missing ${until === 'braces' ? "'}'" : "';'"}`,
      );
    }
    if (until === 'braces') {
      // `__attribute__((...))` may follow the closing brace, then an optional `;`.
      for (;;) {
        const q = skipLayoutFrom(t, p);
        if (!t.startsWith('__attribute__', q)) break;
        const open = skipLayoutFrom(t, q + 13);
        if (t[open] !== '(') break;
        const e = balancedEnd(t, open);
        if (e < 0) break;
        p = e;
      }
      const q = skipLayoutFrom(t, p);
      if (t[q] === ';') p = q + 1;
    }
    this.rescan(p);
    const span = { start, end: p };
    this.enterPhase('c', span);
    let body = t.slice(start, p);
    if (!body.endsWith(';')) body += ';';
    return this.node({ id: 0, span: NO_SPAN, kind: 'CDefinition', text: body }, start, p);
  }

  private parseConfig(): ConfigBlock {
    const kw = this.advance();
    if (this.sawConfig) this.report(this.tokSpan(kw), 'duplicate config block', 'a script has at most one config block');
    this.sawConfig = true;
    this.expect('=');
    this.expect('{');
    const entries: ConfigEntry[] = [];
    while (!this.at('}')) {
      if (this.accept(';')) continue;
      const t = this.peek();
      if (t.kind === 'eof') this.unexpected(t, '}');
      const key = this.expectIdent('config key');
      this.expect('=');
      const value = this.parseConfigValue();
      entries.push(this.node({ id: 0, span: NO_SPAN, kind: 'ConfigEntry', key: key.text, value }, key.start, value.span.end));
      if (!this.at('}')) this.expect(';', '; or }');
    }
    const close = this.advance();
    this.accept(';');
    const span = { start: kw.start, end: close.end };
    this.enterPhase('preamble', span);
    return this.node({ id: 0, span: NO_SPAN, kind: 'ConfigBlock', entries }, span.start, span.end);
  }

  private parseConfigValue(): Expr {
    const t = this.peek();
    if (t.kind === 'int' || t.kind === 'string') return this.parsePrimary();
    if (t.kind === 'ident') {
      this.advance();
      if (t.text === 'true' || t.text === 'false') {
        return this.node({ id: 0, span: NO_SPAN, kind: 'BoolLit', value: t.text === 'true' }, t.start, t.end);
      }
      return this.node({ id: 0, span: NO_SPAN, kind: 'Identifier', name: t.text }, t.start, t.end);
    }
    return this.unexpected(t, 'a string, integer, boolean or identifier');
  }

  private parseImport(): Import {
    const kw = this.advance();
    const path = this.expect('string');
    const semi = this.expect(';');
    this.enterPhase('preamble', { start: kw.start, end: semi.end });
    return this.node({ id: 0, span: NO_SPAN, kind: 'Import', path: path.text }, kw.start, semi.end);
  }

  private parseMacro(): MacroDef {
    const kw = this.advance();
    const name = this.expectIdent('macro name');
    this.enterPhase('main', { start: kw.start, end: name.end });
    const params: MacroDef['params'] = [];
    // `macro name { ... }` (no parameter list) appears in the language reference too.
    if (this.accept('(')) {
      while (!this.at(')')) {
        params.push(this.parseMacroParam());
        if (!this.accept(',')) break;
      }
      this.expect(')', ') or ","');
    }
    const parts = this.parseBlockParts(true);
    const body = this.node({ id: 0, span: NO_SPAN, kind: 'Block', stmts: parts.stmts }, parts.start, parts.end);
    return this.node({ id: 0, span: NO_SPAN, kind: 'MacroDef', name: name.text, params, body, value: parts.value }, kw.start, parts.end);
  }

  private parseMacroParam(): Variable | MapRef | Identifier {
    const t = this.peek();
    if (t.kind === 'var') {
      this.advance();
      return this.node({ id: 0, span: NO_SPAN, kind: 'Variable', name: t.text }, t.start, t.end);
    }
    if (t.kind === 'map') {
      this.advance();
      return this.node({ id: 0, span: NO_SPAN, kind: 'MapRef', name: t.text }, t.start, t.end);
    }
    if (t.kind === 'ident' && !KEYWORDS.has(t.text)) {
      this.advance();
      if (isCoreBuiltin(t.text)) this.report(this.tokSpan(t), `builtin '${t.text}' can't be used as a macro argument`);
      return this.node({ id: 0, span: NO_SPAN, kind: 'Identifier', name: t.text }, t.start, t.end);
    }
    return this.unexpected(t, 'macro parameter ($var, @map or name)');
  }

  private parseMapDecl(): MapDecl {
    const kw = this.advance();
    const m = this.peek();
    if (m.kind !== 'map') {
      this.fail(this.tokSpan(kw), 'root-level let statements need to be map declarations, e.g. let @a = hash(2);');
    }
    this.advance();
    if (m.text === '')
      this.report(this.tokSpan(m), 'the anonymous map @ cannot be declared', 'give the map a name, e.g. let @counts = hash(1024);');
    this.expect('=');
    const kind = this.expectIdent('map type (hash, lruhash, percpuhash, percpulruhash, ...)');
    this.expect('(');
    const args: Expr[] = [];
    while (!this.at(')')) {
      args.push(this.parseExpr());
      if (!this.accept(',')) break;
    }
    const close = this.expect(')', ') or ","');
    const semi = this.accept(';');
    const end = semi ? semi.end : close.end;
    this.enterPhase('main', { start: kw.start, end });
    return this.node({ id: 0, span: NO_SPAN, kind: 'MapDecl', name: m.text, mapKind: kind.text, args }, kw.start, end);
  }

  // ------------------------------------------------------------------ probes

  private parseProbe(): Probe {
    const first = this.parseAttachPoint();
    this.enterPhase('main', first.span);
    const aps = [first];
    while (this.accept(',')) {
      // A trailing comma before the predicate or block is allowed.
      if (this.at('/') || this.at('{')) break;
      aps.push(this.parseAttachPoint());
    }
    let predicate: Expr | null = null;
    if (this.at('/')) {
      this.advance();
      predicate = this.parsePredicateExpr();
      if (!this.accept('/')) this.unexpected(this.peek(), 'end predicate');
    } else if (!this.at('{')) {
      predicate = this.missingBlock(aps);
    }
    const parts = this.parseBlockParts(false);
    const body = this.node({ id: 0, span: NO_SPAN, kind: 'Block', stmts: parts.stmts }, parts.start, parts.end);
    return this.node({ id: 0, span: NO_SPAN, kind: 'Probe', attachPoints: aps, predicate, body }, first.span.start, parts.end);
  }

  private parsePredicateExpr(): Expr {
    const saved = this.inPredicate;
    this.inPredicate = true;
    try {
      return this.parseExpr();
    } finally {
      this.inPredicate = saved;
    }
  }

  private parseAttachPoint(): AttachPoint {
    const t = this.peek();
    if (t.kind !== 'ident' && t.kind !== 'param') this.unexpected(t, 'attach point');
    const scan = scanAttachPoint(this.text, t.start);
    this.rescan(scan.end);
    for (const e of scan.errors) this.report(e.span, e.message);
    const raw = this.text.slice(t.start, scan.end);
    // `interval:ms:$1`, `BEG$1`: positional parameters are pasted in when probes expand.
    if (!raw.includes('$')) this.checkAttachPoint(raw, t.start);
    return this.node({ id: 0, span: NO_SPAN, kind: 'AttachPoint', raw }, t.start, scan.end);
  }

  private checkAttachPoint(raw: string, start: number): void {
    const parts = splitAttachPoint(raw);
    const prov = parts.provider;
    const provSpan = { start: start + parts.providerStart, end: start + parts.providerStart + prov.length };
    const canon = canonicalProvider(prov);
    if (!canon && !/[*?{[]/.test(prov)) {
      const guess = suggestProvider(prov);
      this.report(
        provSpan.end > provSpan.start ? provSpan : { start, end: start + raw.length },
        guess ? `unknown provider '${prov}'; did you mean '${guess}'?` : `unknown provider '${prov}'`,
        ...(guess ? [] : [`providers include ${providerHintList()}`]),
      );
      return;
    }
    // `kprobe:do_sys_open:filter: {` — a filter written as if it were part of the attach point.
    // Only a trailing ':' makes this certain (a function may well be called `filter`).
    const rest = parts.rest;
    if (rest.length === 0 || rest[rest.length - 1] !== '') return;
    const span = { start, end: start + raw.length };
    const filterAt = rest.findIndex((r) => /^(filter|predicate|pred|if|where)$/i.test(r));
    if (filterAt >= 0) {
      const probe = [prov, ...rest.slice(0, filterAt)].join(':');
      this.report(span, `'${rest[filterAt]}' is not part of an attach point`, filterHint(probe));
    } else if (canon !== 'hardware' && canon !== 'software') {
      this.report(span, `attach point '${raw}' ends with ':'`, filterHint(raw.slice(0, -1)));
    }
  }

  /**
   * After the attach points came neither `/` nor `{`. The usual cause is a filter written without
   * slashes; if what follows parses as an expression up to a `{`, report that with a hint and
   * carry on using it as the predicate.
   */
  private missingBlock(aps: AttachPoint[]): Expr | null {
    const t = this.peek();
    if (t.kind === 'eof') this.unexpected(t, '{');
    const probe = aps.map((a) => a.raw).join(',');
    const expr = this.attempt(() => {
      const e = this.parseExpr();
      if (!this.at('{')) throw new SyntaxAbort();
      return e;
    });
    if (expr) {
      const text = this.text.slice(expr.span.start, expr.span.end);
      this.report(
        this.tokSpan(t),
        `syntax error, unexpected ${describeToken(t)}, expecting {`,
        `a filter is written between slashes after the probe: ${probe} /${text}/ { ... }`,
      );
      return expr;
    }
    if (t.kind === 'ident' && t.text === 'if') {
      this.unexpected(t, '{', `a probe's filter is written /expr/ between the probe and the block, e.g. ${probe} /pid == 1234/ { ... }`);
    }
    return this.unexpected(t, '{');
  }

  // ------------------------------------------------------------------ blocks and statements

  /**
   * `{ ... }`. With `allowValue`, an expression right before `}` without a `;` is returned as the
   * block's value; with `valueOfIf` too, a final if/else whose branches all have values is.
   */
  protected parseBlockParts(allowValue: boolean, valueOfIf = allowValue): BlockParts {
    const open = this.expect('{');
    this.enter();
    const stmts: Stmt[] = [];
    let value: Expr | null = null;
    let end = -1;
    for (;;) {
      const t = this.peek();
      if (t.kind === '}') {
        end = this.advance().end;
        break;
      }
      if (t.kind === 'eof') {
        this.report(this.tokSpan(t), 'syntax error, unexpected end of file, expecting }');
        end = this.text.length;
        break;
      }
      if (t.kind === ';') {
        this.advance();
        continue;
      }
      const depth = this.depth;
      const spine = this.spine;
      try {
        const r = this.parseStatement(allowValue);
        if ('value' in r) value = r.value;
        else stmts.push(r.stmt);
      } catch (e) {
        if (!(e instanceof SyntaxAbort) || this.muted > 0) throw e;
        this.depth = depth;
        this.spine = spine;
        this.syncStatement();
      }
    }
    this.depth--;
    if (valueOfIf && value === null) value = this.ifAsValue(stmts);
    return { stmts, value, start: open.start, end };
  }

  /** Skips the rest of a broken statement: through the next `;`, or up to the block's `}`. */
  private syncStatement(): void {
    let depth = 0;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') return;
      if (depth === 0 && t.kind === '}') return;
      this.skipToken();
      if (t.kind === '{' || t.kind === '(' || t.kind === '[') depth++;
      else if (t.kind === '}' || t.kind === ')' || t.kind === ']') depth = Math.max(0, depth - 1);
      else if (t.kind === ';' && depth === 0) return;
    }
  }

  private blockFrom(parts: BlockParts, keepValue: boolean): Block {
    const stmts = parts.stmts;
    const block = this.node({ id: 0, span: NO_SPAN, kind: 'Block', stmts }, parts.start, parts.end);
    if (parts.value) {
      const v = parts.value;
      stmts.push(this.node({ id: 0, span: NO_SPAN, kind: 'ExprStmt', expr: v }, v.span.start, v.span.end));
      if (keepValue) this.branchValues.set(block, v);
    }
    return block;
  }

  /**
   * `{ ...; if (c) { 1 } else { 2 } }` in a place that wants a value: the trailing if/else with a
   * value in every branch is that value, as a ternary over block expressions.
   */
  private ifAsValue(stmts: Stmt[]): Expr | null {
    const last = stmts[stmts.length - 1];
    if (last?.kind !== 'IfStmt') return null;
    const v = this.ifValue(last);
    if (v) stmts.pop();
    return v;
  }

  private ifValue(s: IfStmt): Ternary | null {
    const thenV = this.branchValue(s.then);
    if (!thenV || !s.else) return null;
    const elseV = s.else.kind === 'IfStmt' ? this.ifValue(s.else) : this.branchValue(s.else);
    if (!elseV) return null;
    return this.node(
      { id: 0, span: NO_SPAN, kind: 'Ternary', ...(s.comptime ? { comptime: true } : {}), cond: s.cond, then: thenV, else: elseV },
      s.span.start,
      s.span.end,
    );
  }

  /** The value of an if/else branch: its own trailing expression, or a nested if/else's. */
  private branchValue(b: Block): BlockExpr | null {
    const own = this.branchValues.get(b);
    let value: Expr | null = own ?? null;
    if (!value) {
      const last = b.stmts[b.stmts.length - 1];
      if (last?.kind === 'IfStmt') value = this.ifValue(last);
    }
    if (!value) return null;
    return this.node({ id: 0, span: NO_SPAN, kind: 'BlockExpr', stmts: b.stmts.slice(0, -1), value }, b.span.start, b.span.end);
  }

  /** Ends a simple statement: a `;`, or nothing before the block's closing `}`. */
  private endStatement(): number {
    const semi = this.accept(';');
    if (semi) return semi.end;
    // At the end of the file the enclosing block reports the missing `}`; once is enough.
    if (this.at('}') || this.at('eof')) return this.lastEnd;
    return this.unexpected(this.peek(), ';');
  }

  private parseStatement(allowValue: boolean): StmtOrValue {
    const t = this.peek();
    if (t.kind === 'ident') {
      switch (t.text) {
        case 'if':
          return { stmt: this.parseIf() };
        case 'for':
          return { stmt: this.parseFor() };
        case 'while':
        case 'unroll':
          return { stmt: this.parseLoop() };
        case 'let':
          return { stmt: this.parseLet() };
        case 'return': {
          this.advance();
          const value = this.at(';') || this.at('}') ? null : this.parseExpr();
          const end = this.endStatement();
          return { stmt: this.node({ id: 0, span: NO_SPAN, kind: 'ReturnStmt', value }, t.start, end) };
        }
        case 'break':
        case 'continue': {
          this.advance();
          const end = this.endStatement();
          return { stmt: this.node({ id: 0, span: NO_SPAN, kind: 'JumpStmt', jump: t.text }, t.start, end) };
        }
        case 'else':
          return this.unexpected(t, undefined, "'else' must directly follow the closing } of an if block");
        case 'import':
          return this.fail(this.tokSpan(t), 'import statements must be at the top of the script, before any probe');
        case '_':
          if (this.peek(1).kind === '=') return { stmt: this.parseDiscard() };
          break;
        default:
          break;
      }
    }
    if (t.kind === '{') {
      const parts = this.parseBlockParts(true, false);
      if (!parts.value) return { stmt: this.blockFrom(parts, false) };
      // `{ ...; expr }` as a statement is a block expression whose value is dropped, as in 0.26
      // (its "Return value discarded." points at the whole block).
      const value = this.node({ id: 0, span: NO_SPAN, kind: 'BlockExpr', stmts: parts.stmts, value: parts.value }, parts.start, parts.end);
      return { stmt: this.node({ id: 0, span: NO_SPAN, kind: 'ExprStmt', expr: value }, parts.start, parts.end) };
    }
    const expr = this.parseExpr();
    const op = this.peek();
    if (ASSIGN_OPS.has(op.kind)) {
      this.checkAssignTarget(expr, op);
      this.advance();
      const value = this.parseExpr();
      this.endStatement();
      // As bpftrace, a statement's location stops before its `;`.
      const opSpan = { start: op.start, end: op.end };
      return {
        stmt: this.node(
          { id: 0, span: NO_SPAN, kind: 'AssignStmt', op: op.kind as AssignOp, opSpan, target: expr, value },
          expr.span.start,
          value.span.end,
        ),
      };
    }
    if (allowValue && op.kind === '}') return { value: expr };
    this.endStatement();
    return { stmt: this.node({ id: 0, span: NO_SPAN, kind: 'ExprStmt', expr }, expr.span.start, expr.span.end) };
  }

  private checkAssignTarget(target: Expr, op: Token): void {
    switch (target.kind) {
      case 'Variable':
      case 'MapRef':
      case 'MapAccess':
      case 'FieldAccess':
      case 'IndexExpr':
        return;
      case 'TupleIndex':
        this.report(
          { start: target.span.start, end: op.end },
          'Tuples are immutable once created. Consider creating a new tuple and assigning it instead.',
        );
        return;
      case 'Unary':
        if (target.op === '*') return;
        break;
      case 'Identifier':
        if (isBuiltinValue(target.name)) {
          this.report(target.span, `cannot assign to builtin '${target.name}'`);
        } else {
          this.report(
            target.span,
            `cannot assign to '${target.name}'`,
            `scratch variables are written $${target.name} and maps @${target.name}`,
          );
        }
        return;
      default:
        break;
    }
    this.report(target.span, 'invalid assignment target', 'only variables ($x), maps (@m, @m[k]) and fields can be assigned');
  }

  private parseDiscard(): Stmt {
    const u = this.advance();
    const target = this.node({ id: 0, span: NO_SPAN, kind: 'Identifier', name: '_' }, u.start, u.end);
    const eq = this.advance();
    const value = this.parseExpr();
    this.endStatement();
    const opSpan = { start: eq.start, end: eq.end };
    return this.node({ id: 0, span: NO_SPAN, kind: 'AssignStmt', op: '=', opSpan, target, value }, u.start, value.span.end);
  }

  private parseIf(): IfStmt {
    const kw = this.advance();
    const comptime = this.atWord('comptime');
    if (comptime) this.advance();
    const cond = this.parseExpr();
    const then = this.blockFrom(this.parseBlockParts(true, false), true);
    let els: Block | IfStmt | null = null;
    if (this.atWord('else')) {
      this.advance();
      if (this.atWord('if')) {
        this.enter();
        els = this.parseIf();
        this.depth--;
      } else if (this.at('{')) els = this.blockFrom(this.parseBlockParts(true, false), true);
      else this.unexpected(this.peek(), '{ or if');
    }
    const end = (els ?? then).span.end;
    return this.node({ id: 0, span: NO_SPAN, kind: 'IfStmt', ...(comptime ? { comptime } : {}), cond, then, else: els }, kw.start, end);
  }

  private parseLoop(): Stmt {
    const kw = this.advance();
    const cond = this.parseExpr();
    const parts = this.parseBlockParts(false);
    const body = this.blockFrom(parts, false);
    if (kw.text === 'while') {
      this.oldSyntax = true;
      return this.node({ id: 0, span: NO_SPAN, kind: 'WhileStmt', cond, body }, kw.start, parts.end);
    }
    return this.node({ id: 0, span: NO_SPAN, kind: 'UnrollStmt', count: cond, body }, kw.start, parts.end);
  }

  private parseFor(): Stmt {
    const kw = this.advance();
    const paren = this.accept('(');
    const v = this.peek();
    if (v.kind !== 'var') this.unexpected(v, 'variable', 'a for loop is written for ($kv : @map) { ... } or for ($i : 0..10) { ... }');
    this.advance();
    const variable = this.node({ id: 0, span: NO_SPAN, kind: 'Variable', name: v.text }, v.start, v.end);
    this.expect(':');
    const first = this.parseExpr();
    if (this.accept('..')) {
      const end = this.parseExpr();
      if (paren) this.expect(')');
      const parts = this.parseBlockParts(false);
      const body = this.blockFrom(parts, false);
      return this.node({ id: 0, span: NO_SPAN, kind: 'ForRangeStmt', variable, start: first, end, body }, kw.start, parts.end);
    }
    if (paren) this.expect(')', ') or ..');
    let map: MapRef;
    if (first.kind === 'MapRef') map = first;
    else {
      this.report(
        first.span,
        'for loops iterate over a whole map (@m) or a range (start..end)',
        first.kind === 'MapAccess'
          ? `write for (${'$'}${v.text} : @${first.map.name}) without a key`
          : 'e.g. for ($kv : @map) { ... } or for ($i : 0..10) { ... }',
      );
      map =
        first.kind === 'MapAccess'
          ? first.map
          : this.node({ id: 0, span: NO_SPAN, kind: 'MapRef', name: '' }, first.span.start, first.span.end);
    }
    const parts = this.parseBlockParts(false);
    const body = this.blockFrom(parts, false);
    return this.node({ id: 0, span: NO_SPAN, kind: 'ForMapStmt', variable, map, body }, kw.start, parts.end);
  }

  private parseLet(): Stmt {
    const kw = this.advance();
    const v = this.peek();
    if (v.kind === 'map') {
      this.fail(this.tokSpan(v), 'map declarations (let @m = hash(N);) must be at the top level of the script');
    }
    if (v.kind !== 'var') this.unexpected(v, 'variable');
    this.advance();
    const variable = this.node({ id: 0, span: NO_SPAN, kind: 'Variable', name: v.text }, v.start, v.end);
    let declaredType: TypeExpr | null = null;
    if (this.accept(':')) declaredType = this.parseTypeRequired();
    let value: Expr | null = null;
    if (this.accept('=')) value = this.parseExpr();
    const end = this.endStatement();
    return this.node({ id: 0, span: NO_SPAN, kind: 'VarDeclStmt', variable, declaredType, value }, kw.start, end);
  }
}

function filterHint(probe: string): string {
  return `a filter is written /expr/ between the probe and the block, e.g. ${probe} /pid == 1234/ { ... }`;
}

/** End (exclusive) of a balanced (...) or [...] group at `p`, or -1. */
function balancedEnd(t: string, p: number): number {
  const open = t[p];
  const close = open === '(' ? ')' : ']';
  let depth = 0;
  for (let q = p; q < t.length; q++) {
    if (t[q] === open) depth++;
    else if (t[q] === close && --depth === 0) return q + 1;
  }
  return -1;
}

function quotedEnd(t: string, p: number): number {
  const q = t[p];
  let i = p + 1;
  while (i < t.length && t[i] !== q && t[i] !== '\n') i += t[i] === '\\' ? 2 : 1;
  return Math.min(t.length, i + 1);
}
