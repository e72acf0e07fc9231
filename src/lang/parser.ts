// Recursive-descent parser for bpftrace scripts, both the 0.26 language and the older (0.17-era)
// syntax. It builds the AST of ast.ts; old forms that need rewriting are left to desugar.ts.
//
// Errors are reported to Diagnostics in bpftrace's words ("syntax error, unexpected X, expecting
// Y") and the parser resynchronises at the next `;` or `}` so one run shows several mistakes.
// Only CompileAbort-free behaviour is allowed out of here: internal aborts are caught, deep
// nesting is bounded, and every loop consumes input.

import type {
  AnyNode,
  AssignOp,
  AttachPoint,
  BinaryOp,
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
import { canonicalProvider, scanAttachPoint, splitAttachPoint, suggestProvider } from './attach-scan.ts';
import { cloneNode } from './clone.ts';
import type { Diagnostics } from './diagnostics.ts';
import { IdGen } from './ids.ts';
import { describeToken, isIdentStart, KEYWORDS, Lexer, skipLayoutFrom, type Token, type TokenKind } from './lexer.ts';
import { isBuiltinValue, isCoreBuiltin, isCTypeWord, isTagKeyword, isTypeName } from './names.ts';

export interface ParseResult {
  program: Program;
  /** Every comment (and a `#!` line) of the source, in order; the formatter re-inserts them. */
  comments: Span[];
  /** Continues the parse's id counter for passes that add nodes. */
  ids: IdGen;
}

export function parse(source: SourceFile, diags: Diagnostics): Program {
  return parseDetailed(source, diags).program;
}

export function parseDetailed(source: SourceFile, diags: Diagnostics, ids = new IdGen()): ParseResult {
  const p = new Parser(source, diags, ids);
  const program = p.parseProgram();
  return { program, comments: p.comments(), ids };
}

/** Internal: abandons the current construct; caught where the parser resynchronises. */
class SyntaxAbort {}
/** Internal: too many errors to be useful; stop parsing altogether. */
class TooManyErrors {}

const MAX_ERRORS = 25;
const RING_MASK = 7;
/** Nesting bound (parentheses, blocks, unary chains) that keeps recursion far from the JS stack limit. */
const MAX_DEPTH = 150;
/** Bound on the depth of any tree the parser builds, chains of operators included. */
const MAX_TREE_DEPTH = 1000;

const BINARY_PREC: Partial<Record<TokenKind, number>> = {
  '||': 1,
  '&&': 2,
  '|': 3,
  '^': 4,
  '&': 5,
  '==': 6,
  '!=': 6,
  '<': 7,
  '>': 7,
  '<=': 7,
  '>=': 7,
  '<<': 8,
  '>>': 8,
  '+': 9,
  '-': 9,
  '*': 10,
  '/': 10,
  '%': 10,
};

const ASSIGN_OPS: ReadonlySet<string> = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=']);

type Phase = 'c' | 'preamble' | 'main';

interface BlockParts {
  stmts: Stmt[];
  value: Expr | null;
  start: number;
  end: number;
}

interface ParsedType {
  type: TypeExpr;
  /** The words certainly name a type (keyword, struct/union/enum, `*` or `[N]`). */
  certain: boolean;
}

interface Mark {
  lastEnd: number;
  lastStart: number;
  lastKind: TokenKind;
}

type StmtOrValue = { stmt: Stmt } | { value: Expr };

type NodeOfKind<K extends AnyNode['kind']> = Extract<AnyNode, { kind: K }>;
type NodeFields<T extends AnyNode> = Omit<T, 'id' | 'span'>;

class Parser {
  private readonly lx: Lexer;
  private readonly text: string;
  /** Look-ahead tokens: `count` of them starting at ring index `head`. */
  private readonly buf: Token[] = new Array(RING_MASK + 1);
  private head = 0;
  private count = 0;
  private lastKind: TokenKind = 'eof';
  private lastEnd = 0;
  private lastStart = 0;
  private depth = 0;
  /** Extra tree depth from operator and postfix chains being built (see grow()). */
  private spine = 0;
  private errors = 0;
  /** >0 while trying a parse that may be abandoned: errors then just abort the attempt. */
  private muted = 0;
  private inPredicate = false;
  private phase: Phase = 'c';
  private sawConfig = false;
  /** Trailing expressions of if/else branch blocks, so an `if` ending a value block can become a value. */
  private readonly branchValues = new Map<Block, Expr>();

  constructor(
    readonly source: SourceFile,
    private readonly diags: Diagnostics,
    private readonly ids: IdGen,
  ) {
    this.text = source.text;
    this.lx = new Lexer(source.text);
  }

  comments(): Span[] {
    return this.lx.comments;
  }

  // ------------------------------------------------------------------ tokens

  private peek(k = 0): Token {
    // A small ring buffer: look-ahead never exceeds a few tokens.
    const buf = this.buf;
    while (this.count <= k) {
      if (this.count > 0) {
        const last = buf[(this.head + this.count - 1) & RING_MASK] as Token;
        if (last.kind === 'eof') return last;
      }
      buf[(this.head + this.count) & RING_MASK] = this.lx.next();
      this.count++;
    }
    return buf[(this.head + k) & RING_MASK] as Token;
  }

  private at(kind: TokenKind): boolean {
    return this.peek().kind === kind;
  }

  private atWord(word: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'ident' && t.text === word;
  }

  private consume(t: Token): void {
    if (t.kind === 'eof') return;
    this.head = (this.head + 1) & RING_MASK;
    this.count--;
    this.lastEnd = t.end;
    this.lastStart = t.start;
    this.lastKind = t.kind;
  }

  private advance(): Token {
    const t = this.peek();
    if (t.errors) {
      for (const e of t.errors) this.report(e.span, e.message);
    }
    this.consume(t);
    return t;
  }

  /** Consumes without reporting the token's lexical errors (used while skipping after an error). */
  private skipToken(): Token {
    const t = this.peek();
    this.consume(t);
    return t;
  }

  private accept(kind: TokenKind): Token | null {
    return this.at(kind) ? this.advance() : null;
  }

  private expect(kind: TokenKind, expecting: string = kind): Token {
    const t = this.peek();
    if (t.kind !== kind) this.unexpected(t, expecting);
    return this.advance();
  }

  private expectIdent(what: string): Token {
    const t = this.peek();
    if (t.kind !== 'ident') this.unexpected(t, what);
    return this.advance();
  }

  /** Drops look-ahead and restarts the lexer at `offset` (after raw-scanned text). */
  private rescan(offset: number): void {
    this.count = 0;
    this.lx.reset(offset, this.lastKind);
  }

  private mark(): Mark {
    return { lastEnd: this.lastEnd, lastStart: this.lastStart, lastKind: this.lastKind };
  }

  /**
   * Goes back to a mark. Tokens are not kept (a long script would hold tens of thousands alive
   * and make every garbage collection copy them), so the lexer simply runs again from there.
   */
  private restore(m: Mark): void {
    this.lastEnd = m.lastEnd;
    this.lastStart = m.lastStart;
    this.lastKind = m.lastKind;
    this.count = 0;
    this.lx.reset(m.lastEnd, m.lastKind);
  }

  /** Runs `fn` as an attempt: on any error the input position is restored and null returned. */
  private attempt<T>(fn: () => T): T | null {
    const m = this.mark();
    const depth = this.depth;
    this.muted++;
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof SyntaxAbort)) throw e;
      this.restore(m);
      this.depth = depth;
      return null;
    } finally {
      this.muted--;
    }
  }

  // ------------------------------------------------------------------ errors

  private report(span: Span, message: string, ...hints: string[]): void {
    if (this.muted > 0) throw new SyntaxAbort();
    this.diags.error(span, message, ...hints);
    if (++this.errors >= MAX_ERRORS) throw new TooManyErrors();
  }

  private fail(span: Span, message: string, ...hints: string[]): never {
    this.report(span, message, ...hints);
    throw new SyntaxAbort();
  }

  /** Where to point for a token: at end of file, the last real token (as bison does). */
  private tokSpan(t: Token): Span {
    if (t.kind === 'eof') return { start: this.lastStart, end: Math.max(this.lastEnd, this.lastStart) };
    return { start: t.start, end: t.end };
  }

  private unexpected(t: Token, expecting?: string, ...hints: string[]): never {
    if (t.errors) {
      // A malformed token explains itself better than "unexpected integer".
      for (const e of t.errors) this.report(e.span, e.message);
      throw new SyntaxAbort();
    }
    const what = describeToken(t);
    const msg = expecting ? `syntax error, unexpected ${what}, expecting ${expecting}` : `syntax error, unexpected ${what}`;
    return this.fail(this.tokSpan(t), msg, ...hints);
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) {
      const t = this.peek();
      this.fail(this.tokSpan(t), `nesting too deep (more than ${MAX_DEPTH} levels)`);
    }
  }

  // ------------------------------------------------------------------ nodes

  private node<K extends AnyNode['kind']>(fields: NodeFields<NodeOfKind<K>> & { kind: K }, start: number, end: number): NodeOfKind<K> {
    // Completing the caller's literal (rather than spreading it into a new object) halves the
    // allocations of the hottest path in the parser.
    const n = fields as unknown as { id: number; span: Span };
    n.id = this.ids.take();
    n.span = { start, end };
    return fields as unknown as NodeOfKind<K>;
  }

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
          this.recoverTopLevel();
        }
        const after = this.peek();
        if (after.kind !== 'eof' && after.start === before) this.skipToken();
      }
      // Problems found at the very end (an unterminated comment) ride on the end-of-file token.
      this.advance();
    } catch (e) {
      if (e instanceof TooManyErrors) {
        this.diags.error(null, 'too many errors, giving up');
      } else if (e instanceof RangeError) {
        // The depth bound should make this unreachable; never let a stack overflow escape.
        this.diags.error(null, 'script is nested too deeply to parse');
      } else {
        throw e;
      }
    }
    return this.node({ kind: 'Program', items }, 0, this.text.length);
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
      return this.node({ kind: 'Include', path: (system ? inc[1] : inc[2]) ?? '', system }, span.start, span.end);
    }
    if (/^#\s*include\b/.test(line)) {
      this.report(span, 'malformed #include: expected #include <file> or #include "file"');
    }
    return this.node({ kind: 'CDefinition', text: line }, span.start, span.end);
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
    return this.node({ kind: 'CDefinition', text: body }, start, p);
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
      entries.push(this.node({ kind: 'ConfigEntry', key: key.text, value }, key.start, value.span.end));
      if (!this.at('}')) this.expect(';', '; or }');
    }
    const close = this.advance();
    this.accept(';');
    const span = { start: kw.start, end: close.end };
    this.enterPhase('preamble', span);
    return this.node({ kind: 'ConfigBlock', entries }, span.start, span.end);
  }

  private parseConfigValue(): Expr {
    const t = this.peek();
    if (t.kind === 'int' || t.kind === 'string') return this.parsePrimary();
    if (t.kind === 'ident') {
      this.advance();
      if (t.text === 'true' || t.text === 'false') {
        return this.node({ kind: 'BoolLit', value: t.text === 'true' }, t.start, t.end);
      }
      return this.node({ kind: 'Identifier', name: t.text }, t.start, t.end);
    }
    return this.unexpected(t, 'a string, integer, boolean or identifier');
  }

  private parseImport(): Import {
    const kw = this.advance();
    const path = this.expect('string');
    const semi = this.expect(';');
    this.enterPhase('preamble', { start: kw.start, end: semi.end });
    return this.node({ kind: 'Import', path: path.text }, kw.start, semi.end);
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
    const body = this.node({ kind: 'Block', stmts: parts.stmts }, parts.start, parts.end);
    return this.node({ kind: 'MacroDef', name: name.text, params, body, value: parts.value }, kw.start, parts.end);
  }

  private parseMacroParam(): Variable | MapRef | Identifier {
    const t = this.peek();
    if (t.kind === 'var') {
      this.advance();
      return this.node({ kind: 'Variable', name: t.text }, t.start, t.end);
    }
    if (t.kind === 'map') {
      this.advance();
      return this.node({ kind: 'MapRef', name: t.text }, t.start, t.end);
    }
    if (t.kind === 'ident' && !KEYWORDS.has(t.text)) {
      this.advance();
      if (isCoreBuiltin(t.text)) this.report(this.tokSpan(t), `builtin '${t.text}' can't be used as a macro argument`);
      return this.node({ kind: 'Identifier', name: t.text }, t.start, t.end);
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
    return this.node({ kind: 'MapDecl', name: m.text, mapKind: kind.text, args }, kw.start, end);
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
    const body = this.node({ kind: 'Block', stmts: parts.stmts }, parts.start, parts.end);
    return this.node({ kind: 'Probe', attachPoints: aps, predicate, body }, first.span.start, parts.end);
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
    if (t.kind !== 'ident') this.unexpected(t, 'attach point');
    const scan = scanAttachPoint(this.text, t.start);
    this.rescan(scan.end);
    for (const e of scan.errors) this.report(e.span, e.message);
    const raw = this.text.slice(t.start, scan.end);
    this.checkAttachPoint(raw, t.start);
    return this.node({ kind: 'AttachPoint', raw }, t.start, scan.end);
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
        ...(guess
          ? []
          : [
              'providers include kprobe, kretprobe, uprobe, uretprobe, usdt, tracepoint, rawtracepoint, fentry, fexit, profile, interval, software, hardware, watchpoint, iter, begin, end',
            ]),
      );
      return;
    }
    const rest = parts.rest;
    const last = rest[rest.length - 1];
    const filterAt = rest.findIndex((r) => /^(filter|predicate|pred|if|where)$/i.test(r));
    const span = { start, end: start + raw.length };
    if (filterAt >= 0) {
      const probe = [prov, ...rest.slice(0, filterAt)].join(':');
      this.report(span, `'${rest[filterAt]}' is not part of an attach point`, filterHint(probe));
    } else if (last === '' && rest.length > 0 && canon !== 'hardware' && canon !== 'software') {
      const probe = raw.slice(0, -1);
      this.report(span, `attach point '${raw}' ends with ':'`, filterHint(probe));
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
  private parseBlockParts(allowValue: boolean, valueOfIf = allowValue): BlockParts {
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
      try {
        const r = this.parseStatement(allowValue);
        if ('value' in r) value = r.value;
        else stmts.push(r.stmt);
      } catch (e) {
        if (!(e instanceof SyntaxAbort) || this.muted > 0) throw e;
        this.depth = depth;
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
    const block = this.node({ kind: 'Block', stmts }, parts.start, parts.end);
    if (parts.value) {
      const v = parts.value;
      stmts.push(this.node({ kind: 'ExprStmt', expr: v }, v.span.start, v.span.end));
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
    if (!last || last.kind !== 'IfStmt') return null;
    const v = this.ifValue(last);
    if (v) stmts.pop();
    return v;
  }

  private ifValue(s: IfStmt): Ternary | null {
    const thenV = this.branchValue(s.then);
    if (!thenV || !s.else) return null;
    const elseV = s.else.kind === 'IfStmt' ? this.ifValue(s.else) : this.branchValue(s.else);
    if (!elseV) return null;
    return this.node({ kind: 'Ternary', cond: s.cond, then: thenV, else: elseV }, s.span.start, s.span.end);
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
    return this.node({ kind: 'BlockExpr', stmts: b.stmts.slice(0, -1), value }, b.span.start, b.span.end);
  }

  /** Ends a simple statement: a `;`, or nothing before the block's closing `}`. */
  private endStatement(): number {
    const semi = this.accept(';');
    if (semi) return semi.end;
    if (this.at('}')) return this.lastEnd;
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
          return { stmt: this.node({ kind: 'ReturnStmt', value }, t.start, end) };
        }
        case 'break':
        case 'continue': {
          this.advance();
          const end = this.endStatement();
          return { stmt: this.node({ kind: 'JumpStmt', jump: t.text }, t.start, end) };
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
      const parts = this.parseBlockParts(false);
      return { stmt: this.blockFrom(parts, false) };
    }
    const expr = this.parseExpr();
    const op = this.peek();
    if (ASSIGN_OPS.has(op.kind)) {
      this.checkAssignTarget(expr, op);
      this.advance();
      const value = this.parseExpr();
      const end = this.endStatement();
      return { stmt: this.node({ kind: 'AssignStmt', op: op.kind as AssignOp, target: expr, value }, expr.span.start, end) };
    }
    if (allowValue && op.kind === '}') return { value: expr };
    const end = this.endStatement();
    return { stmt: this.node({ kind: 'ExprStmt', expr }, expr.span.start, end) };
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
    const target = this.node({ kind: 'Identifier', name: '_' }, u.start, u.end);
    this.advance();
    const value = this.parseExpr();
    const end = this.endStatement();
    return this.node({ kind: 'AssignStmt', op: '=', target, value }, u.start, end);
  }

  private parseIf(): IfStmt {
    const kw = this.advance();
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
    return this.node({ kind: 'IfStmt', cond, then, else: els }, kw.start, end);
  }

  private parseLoop(): Stmt {
    const kw = this.advance();
    const cond = this.parseExpr();
    const parts = this.parseBlockParts(false);
    const body = this.blockFrom(parts, false);
    if (kw.text === 'while') return this.node({ kind: 'WhileStmt', cond, body }, kw.start, parts.end);
    return this.node({ kind: 'UnrollStmt', count: cond, body }, kw.start, parts.end);
  }

  private parseFor(): Stmt {
    const kw = this.advance();
    const paren = this.accept('(');
    const v = this.peek();
    if (v.kind !== 'var') this.unexpected(v, 'variable', 'a for loop is written for ($kv : @map) { ... } or for ($i : 0..10) { ... }');
    this.advance();
    const variable = this.node({ kind: 'Variable', name: v.text }, v.start, v.end);
    this.expect(':');
    const first = this.parseExpr();
    if (this.accept('..')) {
      const end = this.parseExpr();
      if (paren) this.expect(')');
      const parts = this.parseBlockParts(false);
      const body = this.blockFrom(parts, false);
      return this.node({ kind: 'ForRangeStmt', variable, start: first, end, body }, kw.start, parts.end);
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
      map = first.kind === 'MapAccess' ? first.map : this.node({ kind: 'MapRef', name: '' }, first.span.start, first.span.end);
    }
    const parts = this.parseBlockParts(false);
    const body = this.blockFrom(parts, false);
    return this.node({ kind: 'ForMapStmt', variable, map, body }, kw.start, parts.end);
  }

  private parseLet(): Stmt {
    const kw = this.advance();
    const v = this.peek();
    if (v.kind === 'map') {
      this.fail(this.tokSpan(v), 'map declarations (let @m = hash(N);) must be at the top level of the script');
    }
    if (v.kind !== 'var') this.unexpected(v, 'variable');
    this.advance();
    const variable = this.node({ kind: 'Variable', name: v.text }, v.start, v.end);
    let declaredType: TypeExpr | null = null;
    if (this.accept(':')) declaredType = this.parseTypeRequired();
    let value: Expr | null = null;
    if (this.accept('=')) value = this.parseExpr();
    const end = this.endStatement();
    return this.node({ kind: 'VarDeclStmt', variable, declaredType, value }, kw.start, end);
  }

  // ------------------------------------------------------------------ expressions

  parseExpr(): Expr {
    this.enter();
    const e = this.parseTernary();
    this.depth--;
    return e;
  }

  private parseTernary(): Expr {
    const cond = this.parseBinary(1);
    if (!this.at('?')) return cond;
    this.advance();
    if (this.accept(':')) {
      // `a ?: b` keeps `a` when it is true; the AST has no such node, so `a` is repeated.
      this.enter();
      const els = this.parseTernary();
      this.depth--;
      const then = cloneNode(cond, this.ids);
      return this.node({ kind: 'Ternary', cond, then, else: els }, cond.span.start, els.span.end);
    }
    this.enter();
    const then = this.parseTernary();
    this.expect(':');
    const els = this.parseTernary();
    this.depth--;
    return this.node({ kind: 'Ternary', cond, then, else: els }, cond.span.start, els.span.end);
  }

  private parseBinary(minPrec: number): Expr {
    let left = this.parseUnary();
    const spine = this.spine;
    try {
      for (;;) {
        const t = this.peek();
        const prec = BINARY_PREC[t.kind];
        if (prec === undefined || prec < minPrec) return left;
        if (t.kind === '/' && this.inPredicate && this.closesPredicate(t)) return left;
        this.advance();
        this.grow();
        const right = this.parseBinary(prec + 1);
        left = this.node({ kind: 'Binary', op: t.kind as BinaryOp, left, right }, left.span.start, right.span.end);
      }
    } finally {
      this.spine = spine;
    }
  }

  /**
   * Operator chains are parsed in a loop but make trees as deep as they are long, and every
   * later pass recurses over trees. Bounding depth here keeps all of them off the stack limit.
   */
  private grow(): void {
    if (this.depth + ++this.spine > MAX_TREE_DEPTH) {
      this.fail(this.tokSpan(this.peek()), `expression too long or too deeply nested (more than ${MAX_TREE_DEPTH} levels)`);
    }
  }

  /** In a predicate, a `/` followed by the block's `{` (or nothing) ends the predicate. */
  private closesPredicate(t: Token): boolean {
    const p = skipLayoutFrom(this.text, t.end);
    return p >= this.text.length || this.text.charCodeAt(p) === 123;
  }

  private parseUnary(): Expr {
    this.enter();
    try {
      const t = this.peek();
      switch (t.kind) {
        case '-':
        case '+':
        case '!':
        case '~':
        case '*':
        case '&': {
          this.advance();
          const operand = this.parseUnary();
          return this.node({ kind: 'Unary', op: t.kind, operand }, t.start, operand.span.end);
        }
        case '++':
        case '--': {
          this.advance();
          const target = this.parseUnary();
          this.checkUpdateTarget(target, t);
          return this.node({ kind: 'Update', op: t.kind, prefix: true, target }, t.start, target.span.end);
        }
        case '(': {
          const cast = this.tryCast();
          if (cast) return cast;
          break;
        }
        default:
          break;
      }
      return this.parsePostfix(this.parsePrimary());
    } finally {
      this.depth--;
    }
  }

  private checkUpdateTarget(target: Expr, op: Token): void {
    if (target.kind === 'Variable' || target.kind === 'MapRef' || target.kind === 'MapAccess') return;
    this.report(this.tokSpan(op), `The ${op.kind} operator must be applied to a map or variable`);
  }

  /** `(type)expr`: tried before a parenthesised expression; undone if it is not a cast. */
  private tryCast(): Expr | null {
    if (this.peek(1).kind !== 'ident') return null;
    const m = this.mark();
    const open = this.advance();
    const ty = this.attempt(() => this.parseType());
    if (!ty || !this.at(')')) {
      this.restore(m);
      return null;
    }
    this.advance();
    if (!this.canStartOperand(this.peek())) {
      if (ty.certain && ty.type.pointerDepth > 0) {
        this.unexpected(this.peek(), 'expression after the cast');
      }
      this.restore(m);
      return null;
    }
    const operand = this.parseUnary();
    return this.node({ kind: 'Cast', type: ty.type, expr: operand }, open.start, operand.span.end);
  }

  private canStartOperand(t: Token): boolean {
    switch (t.kind) {
      case 'int':
      case 'string':
      case 'var':
      case 'param':
      case 'paramcount':
      case 'map':
      case '(':
      case '-':
      case '!':
      case '~':
      case '*':
      case '&':
        return true;
      case 'ident':
        return !KEYWORDS.has(t.text) || t.text === 'sizeof' || t.text === 'offsetof' || t.text === 'typeof' || t.text === 'if';
      default:
        return false;
    }
  }

  private parsePostfix(e: Expr): Expr {
    const spine = this.spine;
    try {
      return this.postfixLoop(e);
    } finally {
      this.spine = spine;
    }
  }

  private postfixLoop(e: Expr): Expr {
    for (;;) {
      const t = this.peek();
      if (t.kind === '.' || t.kind === '->' || t.kind === '[' || t.kind === '++' || t.kind === '--') this.grow();
      switch (t.kind) {
        case '.': {
          this.advance();
          const f = this.peek();
          if (f.kind === 'int') {
            this.advance();
            if (!/^\d+$/.test(f.text) || f.int?.isChar) this.report(this.tokSpan(f), 'a tuple index is a plain decimal number, e.g. $t.0');
            e = this.node({ kind: 'TupleIndex', base: e, index: Number.parseInt(f.text, 10) || 0 }, e.span.start, f.end);
          } else if (f.kind === 'ident') {
            this.advance();
            e = this.node(
              { kind: 'FieldAccess', base: e, field: f.text, fieldSpan: { start: f.start, end: f.end }, arrow: false },
              e.span.start,
              f.end,
            );
          } else {
            this.unexpected(f, 'field name or tuple index');
          }
          break;
        }
        case '->': {
          this.advance();
          const f = this.expectIdent('field name');
          e = this.node(
            { kind: 'FieldAccess', base: e, field: f.text, fieldSpan: { start: f.start, end: f.end }, arrow: true },
            e.span.start,
            f.end,
          );
          break;
        }
        case '[': {
          this.advance();
          const index = this.parseExpr();
          const close = this.expect(']');
          e = this.node({ kind: 'IndexExpr', base: e, index }, e.span.start, close.end);
          break;
        }
        case '++':
        case '--': {
          if (e.kind !== 'Variable' && e.kind !== 'MapRef' && e.kind !== 'MapAccess') {
            if (e.kind === 'Identifier') {
              this.advance();
              this.report({ start: e.span.start, end: t.end }, `The ${t.kind} operator must be applied to a map or variable`);
              return e;
            }
            return e;
          }
          this.advance();
          e = this.node({ kind: 'Update', op: t.kind, prefix: false, target: e }, e.span.start, t.end);
          break;
        }
        default:
          return e;
      }
    }
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'int': {
        this.advance();
        const v = t.int ?? { value: 0n, suffix: null, unit: null, isChar: false };
        return this.node(
          { kind: 'IntegerLit', value: v.value, text: t.text, suffix: v.suffix, unit: v.unit, isChar: v.isChar },
          t.start,
          t.end,
        );
      }
      case 'string':
        this.advance();
        return this.node({ kind: 'StringLit', value: t.text }, t.start, t.end);
      case 'param': {
        this.advance();
        const index = Number(t.text);
        if (!(index >= 1 && index <= Number.MAX_SAFE_INTEGER)) {
          this.report(this.tokSpan(t), `param $${t.text} is out of integer range [1, ${Number.MAX_SAFE_INTEGER}]`);
        }
        return this.node({ kind: 'PositionalParam', index: index >= 1 ? index : 0 }, t.start, t.end);
      }
      case 'paramcount':
        this.advance();
        return this.node({ kind: 'PositionalCount' }, t.start, t.end);
      case 'var':
        this.advance();
        return this.node({ kind: 'Variable', name: t.text }, t.start, t.end);
      case 'map':
        return this.parseMap();
      case '(':
        return this.parseParen();
      case '{':
        return this.parseBlockExpr();
      case 'ident':
        return this.parseWord();
      default:
        return this.unexpected(t);
    }
  }

  private parseMap(): Expr {
    const t = this.advance();
    const map = this.node({ kind: 'MapRef', name: t.text }, t.start, t.end);
    if (!this.at('[')) return map;
    this.advance();
    const keys: Expr[] = [this.parseExpr()];
    while (this.accept(',')) keys.push(this.parseExpr());
    const close = this.expect(']', '] or ","');
    return this.node({ kind: 'MapAccess', map, keys }, t.start, close.end);
  }

  private parseParen(): Expr {
    const open = this.advance();
    if (this.at(')')) {
      const close = this.advance();
      return this.node({ kind: 'TupleExpr', elems: [] }, open.start, close.end);
    }
    const n = this.peek();
    if (n.kind === 'ident' && this.peek(1).kind === '=' && !KEYWORDS.has(n.text) && !isBuiltinValue(n.text)) {
      return this.parseRecord(open);
    }
    const first = this.parseExpr();
    if (!this.accept(',')) {
      this.expect(')', ') or ","');
      return first;
    }
    const elems = [first];
    while (!this.at(')')) {
      elems.push(this.parseExpr());
      if (!this.accept(',')) break;
    }
    const close = this.expect(')', ') or ","');
    return this.node({ kind: 'TupleExpr', elems }, open.start, close.end);
  }

  private parseRecord(open: Token): Expr {
    const fields: { name: string; nameSpan: Span; value: Expr }[] = [];
    const seen = new Set<string>();
    do {
      if (this.at(')')) break;
      const name = this.expectIdent('field name');
      this.expect('=');
      const value = this.parseExpr();
      if (seen.has(name.text)) this.report(this.tokSpan(name), `duplicate field '${name.text}' in record`);
      seen.add(name.text);
      fields.push({ name: name.text, nameSpan: { start: name.start, end: name.end }, value });
    } while (this.accept(','));
    const close = this.expect(')', ') or ","');
    return this.node({ kind: 'RecordExpr', fields }, open.start, close.end);
  }

  private parseBlockExpr(): Expr {
    const parts = this.parseBlockParts(true);
    return this.blockExprFrom(parts, 'a block used as a value must end with an expression (without a trailing ;)');
  }

  private blockExprFrom(parts: BlockParts, missing: string): BlockExpr {
    let value = parts.value;
    if (!value) {
      this.report({ start: parts.start, end: parts.start + 1 }, missing);
      value = this.node({ kind: 'TupleExpr', elems: [] }, parts.end, parts.end);
    }
    return this.node({ kind: 'BlockExpr', stmts: parts.stmts, value }, parts.start, parts.end);
  }

  private parseWord(): Expr {
    const t = this.peek();
    switch (t.text) {
      case 'true':
      case 'false':
        this.advance();
        return this.node({ kind: 'BoolLit', value: t.text === 'true' }, t.start, t.end);
      case 'if':
        return this.parseIfExpr();
      case 'sizeof':
      case 'typeof': {
        this.advance();
        this.expect('(');
        const arg = this.parseTypeOrExpr(')');
        const close = this.expect(')');
        return t.text === 'sizeof'
          ? this.node({ kind: 'SizeofExpr', arg }, t.start, close.end)
          : this.node({ kind: 'TypeofExpr', arg }, t.start, close.end);
      }
      case 'offsetof':
        return this.parseOffsetof();
      default:
        break;
    }
    if (KEYWORDS.has(t.text)) this.unexpected(t);
    this.advance();
    const next = this.peek();
    let callStart: Token | null = null;
    if (next.kind === '(') callStart = next;
    else if (next.kind === '!' && !next.spaced && this.peek(1).kind === '(' && !this.peek(1).spaced) {
      // `name!(args)`: the macro call spelling of the language reference's first example.
      this.advance();
      callStart = this.peek();
    }
    if (!callStart) return this.node({ kind: 'Identifier', name: t.text }, t.start, t.end);
    this.advance();
    const args: Expr[] = [];
    while (!this.at(')')) {
      args.push(this.parseExpr());
      if (!this.accept(',')) break;
    }
    const close = this.expect(')', ') or ","');
    return this.node({ kind: 'Call', callee: t.text, calleeSpan: { start: t.start, end: t.end }, args }, t.start, close.end);
  }

  /** `if c { a } else { b }` used as a value: a ternary over block expressions. */
  private parseIfExpr(): Expr {
    const kw = this.advance();
    const cond = this.parseExpr();
    const then = this.blockExprFrom(this.parseBlockParts(true), 'each branch of an if used as a value must end with an expression');
    if (!this.atWord('else')) {
      this.fail({ start: kw.start, end: kw.end }, 'an if used as a value needs an else branch');
    }
    this.advance();
    this.enter();
    const els = this.atWord('if')
      ? this.parseIfExpr()
      : this.blockExprFrom(this.parseBlockParts(true), 'each branch of an if used as a value must end with an expression');
    this.depth--;
    return this.node({ kind: 'Ternary', cond, then, else: els }, kw.start, els.span.end);
  }

  private parseOffsetof(): Expr {
    const kw = this.advance();
    this.expect('(');
    const base = this.parseTypeOrExpr(',');
    this.expect(',', ', and a field name');
    const fields = [this.expectIdent('field name').text];
    while (this.accept('.')) fields.push(this.expectIdent('field name').text);
    const close = this.expect(')', ') or .');
    return this.node({ kind: 'OffsetofExpr', base, fields }, kw.start, close.end);
  }

  // ------------------------------------------------------------------ types

  /**
   * A type argument of sizeof/typeof/offsetof, or else an expression. Bare unknown names stay
   * identifiers (later passes know typedefs and enum values); `name[4]` and `name *` are types.
   */
  private parseTypeOrExpr(terminator: ')' | ','): TypeExpr | Expr {
    if (this.peek().kind !== 'ident') return this.parseExpr();
    const ty = this.attempt(() => {
      const r = this.parseType();
      if (!r.certain || !this.at(terminator)) throw new SyntaxAbort();
      return r.type;
    });
    return ty ?? this.parseExpr();
  }

  private parseTypeRequired(): TypeExpr {
    const t = this.peek();
    const ty = this.attempt(() => this.parseType());
    if (!ty) return this.unexpected(t, 'type');
    return ty.type;
  }

  /** Parses a written type; throws SyntaxAbort (muted by the caller's attempt) if it is not one. */
  private parseType(): ParsedType {
    const t = this.peek();
    if (t.kind !== 'ident') throw new SyntaxAbort();
    let name: string;
    let certain = true;
    const start = t.start;
    if (t.text === 'typeof') {
      this.advance();
      this.expect('(');
      const arg = this.parseTypeOrExpr(')');
      this.expect(')');
      if (arg.kind !== 'TypeExpr') {
        this.report({ start, end: this.lastEnd }, 'typeof(expression) cannot be used as a type here; name the type instead');
        name = 'typeof';
      } else {
        return this.typeSuffixes(arg.name, arg.pointerDepth, start, true);
      }
    } else if (isTagKeyword(t.text)) {
      this.advance();
      const tag = this.expectIdent(`${t.text} name`);
      name = `${t.text} ${tag.text}`;
    } else if (isCTypeWord(t.text)) {
      const words: string[] = [];
      while (this.peek().kind === 'ident' && isCTypeWord(this.peek().text)) words.push(this.advance().text);
      name = words.join(' ');
    } else {
      if (KEYWORDS.has(t.text) || isBuiltinValue(t.text) || t.text === 'true' || t.text === 'false') throw new SyntaxAbort();
      this.advance();
      name = t.text;
      certain = isTypeName(t.text);
    }
    return this.typeSuffixes(name, 0, start, certain);
  }

  private typeSuffixes(name: string, depth: number, start: number, certain: boolean): ParsedType {
    let pointerDepth = depth;
    let arrayLen: number | null = null;
    while (this.at('*')) {
      this.advance();
      pointerDepth++;
      certain = true;
    }
    if (this.at('[')) {
      this.advance();
      if (this.at(']')) arrayLen = 0;
      else {
        const n = this.expect('int', 'array length');
        arrayLen = Number(n.int?.value ?? 0n);
      }
      this.expect(']');
      certain = true;
      if (this.at('*')) {
        this.fail(this.tokSpan(this.peek()), 'pointers to arrays are not supported in type names');
      }
    }
    const type = this.node({ kind: 'TypeExpr', name, pointerDepth, arrayLen }, start, this.lastEnd);
    return { type, certain };
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
