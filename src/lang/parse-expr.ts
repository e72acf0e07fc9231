// Expressions and written types: precedence climbing for binary operators, casts told from
// parenthesised expressions, tuples and records, sizeof/offsetof/typeof, block and if
// expressions. Statements come from the Parser subclass through parseBlockParts.

import type { BinaryOp, BlockExpr, Expr, Span, TypeExpr } from './ast.ts';
import { cloneNode } from './clone.ts';
import { KEYWORDS, skipLayoutFrom, type Token } from './lexer.ts';
import { isBuiltinValue, isCTypeWord, isTagKeyword, isTypeName } from './names.ts';
import { type BlockParts, NO_SPAN, ParserBase, SyntaxAbort, TooManyErrors } from './parser-base.ts';
import { binaryPrecedence } from './precedence.ts';

interface ParsedType {
  type: TypeExpr;
  /** The words certainly name a type (keyword, struct/union/enum, `*` or `[N]`). */
  certain: boolean;
}

export abstract class ExprParser extends ParserBase {
  /** `{ ... }` with its statements; implemented by the statement layer. */
  protected abstract parseBlockParts(allowValue: boolean, valueOfIf?: boolean): BlockParts;

  /** The expression that exactly fills `[start, end)`, or null (see parseExpressionAt). */
  expressionAt(start: number, end: number): Expr | null {
    this.rescan(start);
    try {
      const e = this.parseExpr();
      return this.peek().start >= end && this.lastEnd <= end ? e : null;
    } catch (e) {
      if (e instanceof SyntaxAbort || e instanceof TooManyErrors || e instanceof RangeError) return null;
      throw e;
    }
  }

  // ------------------------------------------------------------------ expressions

  parseExpr(): Expr {
    this.enter();
    const e = this.parseTernary();
    this.depth--;
    return e;
  }

  protected parseTernary(): Expr {
    const cond = this.parseBinary(1);
    if (!this.at('?')) return cond;
    this.advance();
    if (this.accept(':')) {
      // `a ?: b` keeps `a` when it is true; the AST has no such node, so `a` is repeated.
      this.enter();
      const els = this.parseTernary();
      this.depth--;
      const then = cloneNode(cond, this.ids);
      return this.node({ id: 0, span: NO_SPAN, kind: 'Ternary', cond, then, else: els }, cond.span.start, els.span.end);
    }
    this.enter();
    const then = this.parseTernary();
    this.expect(':');
    const els = this.parseTernary();
    this.depth--;
    return this.node({ id: 0, span: NO_SPAN, kind: 'Ternary', cond, then, else: els }, cond.span.start, els.span.end);
  }

  protected parseBinary(minPrec: number): Expr {
    let left = this.parseUnary();
    const spine = this.spine;
    for (;;) {
      const t = this.peek();
      const prec = binaryPrecedence(t.kind);
      if (prec === undefined || prec < minPrec) break;
      if (t.kind === '/' && this.inPredicate && this.closesPredicate(t)) break;
      this.advance();
      this.grow();
      const right = this.parseBinary(prec + 1);
      left = this.node({ id: 0, span: NO_SPAN, kind: 'Binary', op: t.kind as BinaryOp, left, right }, left.span.start, right.span.end);
    }
    this.spine = spine;
    return left;
  }

  /** In a predicate, a `/` followed by the block's `{` (or nothing) ends the predicate. */
  protected closesPredicate(t: Token): boolean {
    const p = skipLayoutFrom(this.text, t.end);
    return p >= this.text.length || this.text.charCodeAt(p) === 123;
  }

  protected parseUnary(): Expr {
    // No try/finally for the depth counters: every place that catches an abort restores them.
    this.enter();
    const e = this.unary();
    this.depth--;
    return e;
  }

  protected unary(): Expr {
    {
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
          return this.node({ id: 0, span: NO_SPAN, kind: 'Unary', op: t.kind, operand }, t.start, operand.span.end);
        }
        case '++':
        case '--': {
          this.advance();
          const target = this.parseUnary();
          this.checkUpdateTarget(target, t);
          return this.node({ id: 0, span: NO_SPAN, kind: 'Update', op: t.kind, prefix: true, target }, t.start, target.span.end);
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
    }
  }

  protected checkUpdateTarget(target: Expr, op: Token): void {
    if (target.kind === 'Variable' || target.kind === 'MapRef' || target.kind === 'MapAccess') return;
    this.report(this.tokSpan(op), `The ${op.kind} operator must be applied to a map or variable`);
  }

  /** `(type)expr`: tried before a parenthesised expression; undone if it is not a cast. */
  protected tryCast(): Expr | null {
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
    return this.node({ id: 0, span: NO_SPAN, kind: 'Cast', type: ty.type, expr: operand }, open.start, operand.span.end);
  }

  protected canStartOperand(t: Token): boolean {
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

  protected parsePostfix(e: Expr): Expr {
    const spine = this.spine;
    const r = this.postfixLoop(e);
    this.spine = spine;
    return r;
  }

  protected postfixLoop(e: Expr): Expr {
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
            e = this.node(
              { id: 0, span: NO_SPAN, kind: 'TupleIndex', base: e, index: Number.parseInt(f.text, 10) || 0 },
              e.span.start,
              f.end,
            );
          } else if (f.kind === 'ident') {
            this.advance();
            e = this.node(
              {
                id: 0,
                span: NO_SPAN,
                kind: 'FieldAccess',
                base: e,
                field: f.text,
                fieldSpan: { start: f.start, end: f.end },
                arrow: false,
              },
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
            { id: 0, span: NO_SPAN, kind: 'FieldAccess', base: e, field: f.text, fieldSpan: { start: f.start, end: f.end }, arrow: true },
            e.span.start,
            f.end,
          );
          break;
        }
        case '[': {
          this.advance();
          const index = this.parseExpr();
          const close = this.expect(']');
          e = this.node({ id: 0, span: NO_SPAN, kind: 'IndexExpr', base: e, index }, e.span.start, close.end);
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
          e = this.node({ id: 0, span: NO_SPAN, kind: 'Update', op: t.kind, prefix: false, target: e }, e.span.start, t.end);
          break;
        }
        default:
          return e;
      }
    }
  }

  protected parsePrimary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'int': {
        this.advance();
        const v = t.int ?? { value: 0n, suffix: null, unit: null, isChar: false };
        return this.node(
          { id: 0, span: NO_SPAN, kind: 'IntegerLit', value: v.value, text: t.text, suffix: v.suffix, unit: v.unit, isChar: v.isChar },
          t.start,
          t.end,
        );
      }
      case 'string':
        this.advance();
        return this.node({ id: 0, span: NO_SPAN, kind: 'StringLit', value: t.text }, t.start, t.end);
      case 'param': {
        this.advance();
        const index = Number(t.text);
        if (!(index >= 1 && index <= Number.MAX_SAFE_INTEGER)) {
          this.report(this.tokSpan(t), `param $${t.text} is out of integer range [1, ${Number.MAX_SAFE_INTEGER}]`);
        }
        return this.node({ id: 0, span: NO_SPAN, kind: 'PositionalParam', index: index >= 1 ? index : 0 }, t.start, t.end);
      }
      case 'paramcount':
        this.advance();
        return this.node({ id: 0, span: NO_SPAN, kind: 'PositionalCount' }, t.start, t.end);
      case 'var':
        this.advance();
        return this.node({ id: 0, span: NO_SPAN, kind: 'Variable', name: t.text }, t.start, t.end);
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

  protected parseMap(): Expr {
    const t = this.advance();
    const map = this.node({ id: 0, span: NO_SPAN, kind: 'MapRef', name: t.text }, t.start, t.end);
    if (!this.at('[')) return map;
    this.advance();
    const keys: Expr[] = [this.parseExpr()];
    while (this.accept(',')) keys.push(this.parseExpr());
    const close = this.expect(']', '] or ","');
    return this.node({ id: 0, span: NO_SPAN, kind: 'MapAccess', map, keys }, t.start, close.end);
  }

  protected parseParen(): Expr {
    const open = this.advance();
    if (this.at(')')) {
      const close = this.advance();
      return this.node({ id: 0, span: NO_SPAN, kind: 'TupleExpr', elems: [] }, open.start, close.end);
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
    return this.node({ id: 0, span: NO_SPAN, kind: 'TupleExpr', elems }, open.start, close.end);
  }

  protected parseRecord(open: Token): Expr {
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
    return this.node({ id: 0, span: NO_SPAN, kind: 'RecordExpr', fields }, open.start, close.end);
  }

  protected parseBlockExpr(): Expr {
    const parts = this.parseBlockParts(true);
    return this.blockExprFrom(parts, 'a block used as a value must end with an expression (without a trailing ;)');
  }

  protected blockExprFrom(parts: BlockParts, missing: string): BlockExpr {
    let value = parts.value;
    if (!value) {
      this.report({ start: parts.start, end: parts.start + 1 }, missing);
      value = this.node({ id: 0, span: NO_SPAN, kind: 'TupleExpr', elems: [] }, parts.end, parts.end);
    }
    return this.node({ id: 0, span: NO_SPAN, kind: 'BlockExpr', stmts: parts.stmts, value }, parts.start, parts.end);
  }

  protected parseWord(): Expr {
    const t = this.peek();
    switch (t.text) {
      case 'true':
      case 'false':
        this.advance();
        return this.node({ id: 0, span: NO_SPAN, kind: 'BoolLit', value: t.text === 'true' }, t.start, t.end);
      case 'if':
        return this.parseIfExpr();
      case 'sizeof':
      case 'typeof': {
        this.advance();
        this.expect('(');
        const arg = this.parseTypeOrExpr(')');
        const close = this.expect(')');
        return t.text === 'sizeof'
          ? this.node({ id: 0, span: NO_SPAN, kind: 'SizeofExpr', arg }, t.start, close.end)
          : this.node({ id: 0, span: NO_SPAN, kind: 'TypeofExpr', arg }, t.start, close.end);
      }
      case 'offsetof':
        return this.parseOffsetof();
      case 'typeinfo': {
        if (this.peek(1).kind !== '(') break;
        // A call of the typeinfo builtin whose argument is a type, or an expression whose
        // static type is meant: carried as typeof(ARG), which is what it inspects.
        this.advance();
        const open = this.expect('(');
        const arg = this.parseTypeOrExpr(')');
        const close = this.expect(')');
        const of = this.node({ id: 0, span: NO_SPAN, kind: 'TypeofExpr', arg }, open.end, close.start);
        return this.node(
          { id: 0, span: NO_SPAN, kind: 'Call', callee: 'typeinfo', calleeSpan: { start: t.start, end: t.end }, args: [of] },
          t.start,
          close.end,
        );
      }
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
      this.macroCalls.add(t.start);
    }
    if (!callStart) return this.node({ id: 0, span: NO_SPAN, kind: 'Identifier', name: t.text }, t.start, t.end);
    this.advance();
    const args: Expr[] = [];
    while (!this.at(')')) {
      args.push(this.parseExpr());
      if (!this.accept(',')) break;
    }
    const close = this.expect(')', ') or ","');
    if (t.text === 'delete' && args.length > 0 && args.every((a) => a.kind === 'MapAccess')) this.oldSyntax = true;
    return this.node(
      { id: 0, span: NO_SPAN, kind: 'Call', callee: t.text, calleeSpan: { start: t.start, end: t.end }, args },
      t.start,
      close.end,
    );
  }

  /** `if c { a } else { b }` used as a value: a ternary over block expressions. */
  protected parseIfExpr(): Expr {
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
    return this.node({ id: 0, span: NO_SPAN, kind: 'Ternary', cond, then, else: els }, kw.start, els.span.end);
  }

  protected parseOffsetof(): Expr {
    const kw = this.advance();
    this.expect('(');
    const base = this.parseTypeOrExpr(',');
    this.expect(',', ', and a field name');
    const fields = [this.expectIdent('field name').text];
    while (this.accept('.')) fields.push(this.expectIdent('field name').text);
    const close = this.expect(')', ') or .');
    return this.node({ id: 0, span: NO_SPAN, kind: 'OffsetofExpr', base, fields }, kw.start, close.end);
  }

  // ------------------------------------------------------------------ types

  /**
   * A type argument of sizeof/typeof/offsetof, or else an expression. Bare unknown names stay
   * identifiers (later passes know typedefs and enum values); `name[4]` and `name *` are types.
   */
  protected parseTypeOrExpr(terminator: ')' | ','): TypeExpr | Expr {
    if (this.peek().kind !== 'ident') return this.parseExpr();
    const ty = this.attempt(() => {
      const r = this.parseType();
      if (!r.certain || !this.at(terminator)) throw new SyntaxAbort();
      return r.type;
    });
    return ty ?? this.parseExpr();
  }

  protected parseTypeRequired(): TypeExpr {
    const t = this.peek();
    const ty = this.attempt(() => this.parseType());
    if (!ty) return this.unexpected(t, 'type');
    return ty.type;
  }

  /** Parses a written type; throws SyntaxAbort (muted by the caller's attempt) if it is not one. */
  protected parseType(): ParsedType {
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
      if (arg.kind !== 'TypeExpr') return this.typeSuffixes('typeof', 0, start, true, arg);
      return this.typeSuffixes(arg.name, arg.pointerDepth, start, true, arg.of);
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

  protected typeSuffixes(name: string, depth: number, start: number, certain: boolean, of: Expr | null = null): ParsedType {
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
    }
    // `int32[4]*`: a pointer to the array (0.26 reads type suffixes left to right).
    let arrayPointers = 0;
    while (arrayLen !== null && this.at('*')) {
      this.advance();
      arrayPointers++;
    }
    if (arrayLen !== null && this.at('[')) this.fail(this.tokSpan(this.peek()), 'arrays of arrays are not supported in type names');
    const type = this.node(
      { id: 0, span: NO_SPAN, kind: 'TypeExpr', name, pointerDepth, arrayLen, ...(arrayPointers ? { arrayPointers } : {}), of },
      start,
      this.lastEnd,
    );
    return { type, certain };
  }
}
