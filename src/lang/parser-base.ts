// The parser's machinery shared by its layers: the token stream (a small look-ahead ring over
// the lexer, with cheap backtracking by re-lexing), error reporting in bpftrace's words, the
// nesting bounds, and node construction. Grammar lives in parse-expr.ts and parser.ts.

import type { AnyNode, Expr, SourceFile, Span, Stmt } from './ast.ts';
import type { Diagnostics } from './diagnostics.ts';
import type { IdGen } from './ids.ts';
import { describeToken, Lexer, type Token, type TokenKind } from './lexer.ts';

/** Internal: abandons the current construct; caught where the parser resynchronises. */
export class SyntaxAbort {}
/** Internal: too many errors to be useful; stop parsing altogether. */
export class TooManyErrors {}

const MAX_ERRORS = 25;
const RING_MASK = 7;
/** Nesting bound (parentheses, blocks, unary chains) that keeps recursion far from the JS stack limit. */
export const MAX_DEPTH = 150;
/** Bound on the depth of any tree the parser builds, chains of operators included. */
const MAX_TREE_DEPTH = 1000;

export interface BlockParts {
  stmts: Stmt[];
  /** The expression before `}` written without `;`, when the block may have a value. */
  value: Expr | null;
  start: number;
  end: number;
}

interface Mark {
  resume: number;
  lastEnd: number;
  lastStart: number;
  lastKind: TokenKind;
}

type NodeOfKind<K extends AnyNode['kind']> = Extract<AnyNode, { kind: K }>;

/** Placeholder span of node literals; node() replaces it (and the id) before anyone sees it. */
export const NO_SPAN: Span = { start: 0, end: 0 };

export abstract class ParserBase {
  protected readonly lx: Lexer;
  protected readonly text: string;
  /** Look-ahead tokens: `count` of them starting at ring index `head`. */
  protected readonly buf: Token[] = new Array(RING_MASK + 1);
  protected head = 0;
  protected count = 0;
  protected lastKind: TokenKind = 'eof';
  /** Where the lexer continues after the last consumed token (or after raw-scanned text). */
  protected resume = 0;
  protected lastEnd = 0;
  protected lastStart = 0;
  protected depth = 0;
  /** Extra tree depth from operator and postfix chains being built (see grow()). */
  protected spine = 0;
  protected errors = 0;
  /** >0 while trying a parse that may be abandoned: errors then just abort the attempt. */
  protected muted = 0;
  protected inPredicate = false;
  /** Set when a construct desugar.ts handles is seen, so clean scripts skip that pass. */
  oldSyntax = false;
  /** Where `name!(...)` calls start: these must name a macro. */
  readonly macroCalls = new Set<number>();

  constructor(
    readonly source: SourceFile,
    /** Null for a silent parse: every error then just abandons it. */
    protected readonly diags: Diagnostics | null,
    protected readonly ids: IdGen,
  ) {
    if (!diags) this.muted = 1;
    this.text = source.text;
    this.lx = new Lexer(source.text);
  }

  comments(): Span[] {
    return this.lx.comments;
  }

  // ------------------------------------------------------------------ tokens

  protected peek(k = 0): Token {
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

  protected at(kind: TokenKind): boolean {
    return this.peek().kind === kind;
  }

  protected atWord(word: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'ident' && t.text === word;
  }

  protected consume(t: Token): void {
    if (t.kind === 'eof') return;
    this.head = (this.head + 1) & RING_MASK;
    this.count--;
    this.lastEnd = t.end;
    this.lastStart = t.start;
    this.lastKind = t.kind;
    this.resume = t.end;
  }

  protected advance(): Token {
    const t = this.peek();
    if (t.errors) {
      for (const e of t.errors) this.report(e.span, e.message);
    }
    this.consume(t);
    return t;
  }

  /** Consumes without reporting the token's lexical errors (used while skipping after an error). */
  protected skipToken(): Token {
    const t = this.peek();
    this.consume(t);
    return t;
  }

  protected accept(kind: TokenKind): Token | null {
    return this.at(kind) ? this.advance() : null;
  }

  protected expect(kind: TokenKind, expecting: string = kind): Token {
    const t = this.peek();
    if (t.kind !== kind) this.unexpected(t, expecting);
    return this.advance();
  }

  protected expectIdent(what: string): Token {
    const t = this.peek();
    if (t.kind !== 'ident') this.unexpected(t, what);
    return this.advance();
  }

  /** Drops look-ahead and restarts the lexer at `offset` (after raw-scanned text). */
  protected rescan(offset: number): void {
    this.count = 0;
    this.resume = offset;
    this.lx.reset(offset, this.lastKind);
  }

  protected mark(): Mark {
    return { resume: this.resume, lastEnd: this.lastEnd, lastStart: this.lastStart, lastKind: this.lastKind };
  }

  /**
   * Goes back to a mark. Tokens are not kept (a long script would hold tens of thousands alive
   * and make every garbage collection copy them), so the lexer simply runs again from there.
   */
  protected restore(m: Mark): void {
    this.lastEnd = m.lastEnd;
    this.lastStart = m.lastStart;
    this.lastKind = m.lastKind;
    this.count = 0;
    this.resume = m.resume;
    this.lx.reset(m.resume, m.lastKind);
  }

  /** Runs `fn` as an attempt: on any error the input position is restored and null returned. */
  protected attempt<T>(fn: () => T): T | null {
    const m = this.mark();
    const depth = this.depth;
    const spine = this.spine;
    this.muted++;
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof SyntaxAbort)) throw e;
      this.restore(m);
      this.depth = depth;
      this.spine = spine;
      return null;
    } finally {
      this.muted--;
    }
  }

  // ------------------------------------------------------------------ errors

  protected report(span: Span, message: string, ...hints: string[]): void {
    if (this.muted > 0 || !this.diags) throw new SyntaxAbort();
    this.diags.error(span, message, ...hints);
    if (++this.errors >= MAX_ERRORS) throw new TooManyErrors();
  }

  protected fail(span: Span, message: string, ...hints: string[]): never {
    this.report(span, message, ...hints);
    throw new SyntaxAbort();
  }

  /** Where to point for a token: at end of file, the last real token (as bison does). */
  protected tokSpan(t: Token): Span {
    if (t.kind === 'eof') return { start: this.lastStart, end: Math.max(this.lastEnd, this.lastStart) };
    return { start: t.start, end: t.end };
  }

  protected unexpected(t: Token, expecting?: string, ...hints: string[]): never {
    if (t.errors) {
      // A malformed token explains itself better than "unexpected integer".
      for (const e of t.errors) this.report(e.span, e.message);
      throw new SyntaxAbort();
    }
    const what = describeToken(t);
    const msg = expecting ? `syntax error, unexpected ${what}, expecting ${expecting}` : `syntax error, unexpected ${what}`;
    return this.fail(this.tokSpan(t), msg, ...hints);
  }

  protected enter(): void {
    if (++this.depth > MAX_DEPTH) {
      const t = this.peek();
      this.fail(this.tokSpan(t), `nesting too deep (more than ${MAX_DEPTH} levels)`);
    }
  }

  // ------------------------------------------------------------------ nodes

  /**
   * Completes a node literal written with placeholder `id` and `span` (`id: 0, span: NO_SPAN`). Filling slots the
   * literal already has, rather than spreading it into a new object or adding properties, keeps
   * node creation to one allocation plus the span: the parser's hottest path.
   */
  protected node<K extends AnyNode['kind']>(fields: NodeOfKind<K> & { kind: K }, start: number, end: number): NodeOfKind<K> {
    const n = fields as { id: number; span: Span };
    n.id = this.ids.take();
    n.span = { start, end };
    return fields;
  }

  /**
   * Operator chains are parsed in a loop but make trees as deep as they are long, and every
   * later pass recurses over trees. Bounding depth here keeps all of them off the stack limit.
   */
  protected grow(): void {
    if (this.depth + ++this.spine > MAX_TREE_DEPTH) {
      this.fail(this.tokSpan(this.peek()), `expression too long or too deeply nested (more than ${MAX_TREE_DEPTH} levels)`);
    }
  }
}
