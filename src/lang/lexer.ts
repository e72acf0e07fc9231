// Tokens of the bpftrace language. The lexer is pulled one token at a time by the parser, which
// may reposition it: attach points, `#` lines and C definitions are not token streams (a path
// like `/usr/lib/*/x.so` would otherwise open a comment), so the parser scans those as raw text
// and restarts the lexer after them.
//
// Errors found while lexing ride on the token they belong to and are reported by the parser
// only when it consumes that token, so speculative look-ahead never reports anything twice or
// in the wrong place.

import type { Span } from './ast.ts';
import {
  applyIntSuffix,
  type DurationUnit,
  decodeEscape,
  digitsValue,
  hexDigit,
  isDurationUnit,
  isIntSuffix,
  pushUtf8,
  scientificValue,
} from './literals.ts';

export type TokenKind =
  | 'eof'
  | 'ident'
  | 'int'
  | 'string'
  | 'var'
  | 'param'
  | 'paramcount'
  | 'map'
  | 'hash'
  | '('
  | ')'
  | '{'
  | '}'
  | '['
  | ']'
  | ';'
  | ','
  | ':'
  | '.'
  | '..'
  | '->'
  | '?'
  | '='
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | '<<'
  | '>>'
  | '<<='
  | '>>='
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '&'
  | '|'
  | '^'
  | '!'
  | '~'
  | '&&'
  | '||'
  | '++'
  | '--'
  | '+='
  | '-='
  | '*='
  | '/='
  | '%='
  | '&='
  | '|='
  | '^=';

export interface IntInfo {
  value: bigint;
  suffix: string | null;
  unit: DurationUnit | null;
  isChar: boolean;
}

export interface LexError {
  span: Span;
  message: string;
}

export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
  /** Whitespace or a comment separates this token from the one before. */
  spaced: boolean;
  /** Identifier text, variable/map name without its sigil, decoded string, or `$N` digits. */
  text: string;
  /** Value of an `int` token (integer or character literal). */
  int: IntInfo | null;
  errors: LexError[] | null;
}

const enum C {
  Tab = 9,
  LF = 10,
  VT = 11,
  FF = 12,
  CR = 13,
  Space = 32,
  Bang = 33,
  Quote = 34,
  Hash = 35,
  Dollar = 36,
  Percent = 37,
  Amp = 38,
  Apos = 39,
  LParen = 40,
  RParen = 41,
  Star = 42,
  Plus = 43,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  Slash = 47,
  D0 = 48,
  D1 = 49,
  D7 = 55,
  D9 = 57,
  Colon = 58,
  Semi = 59,
  Lt = 60,
  Eq = 61,
  Gt = 62,
  Question = 63,
  At = 64,
  UpperA = 65,
  UpperB = 66,
  UpperE = 69,
  UpperX = 88,
  UpperZ = 90,
  LBracket = 91,
  Backslash = 92,
  RBracket = 93,
  Caret = 94,
  Underscore = 95,
  LowerA = 97,
  LowerB = 98,
  LowerE = 101,
  LowerX = 120,
  LowerZ = 122,
  LBrace = 123,
  Pipe = 124,
  RBrace = 125,
  Tilde = 126,
}

// Character classes for ASCII, looked up instead of compared: the lexer's loops run once per
// character of the script, and a table lookup is cheap even before the JIT warms up.
const SPACE = 1;
const ID_START = 2;
const ID_PART = 4;
const DIGIT = 8;
const CLS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = (c >= C.LowerA && c <= C.LowerZ) || (c >= C.UpperA && c <= C.UpperZ) || c === C.Underscore;
  const digit = c >= C.D0 && c <= C.D9;
  const space = c === C.Space || c === C.LF || c === C.Tab || c === C.CR || c === C.FF || c === C.VT;
  CLS[c] = (space ? SPACE : 0) | (letter ? ID_START | ID_PART : 0) | (digit ? DIGIT | ID_PART : 0);
}

function cls(c: number): number {
  return c < 128 ? (CLS[c] as number) : 0;
}

export function isIdentStart(c: number): boolean {
  return (cls(c) & ID_START) !== 0;
}

export function isIdentPart(c: number): boolean {
  return (cls(c) & ID_PART) !== 0;
}

export function isDigit(c: number): boolean {
  return (cls(c) & DIGIT) !== 0;
}

function isSpace(c: number): boolean {
  return (cls(c) & SPACE) !== 0;
}

/** End of the identifier characters starting at `p`. */
function identEnd(t: string, p: number): number {
  const n = t.length;
  while (p < n) {
    const c = t.charCodeAt(p);
    if (c >= 128 || ((CLS[c] as number) & ID_PART) === 0) break;
    p++;
  }
  return p;
}

export class Lexer {
  pos = 0;
  /** Kind of the token produced last: `1.5` is a float error but `$t.1.5` is two tuple indexes. */
  private prev: TokenKind = 'eof';
  private pending: LexError[] | null = null;
  private readonly commentList: Span[] = [];
  private readonly commentStarts = new Set<number>();
  private commentsSorted = true;

  constructor(readonly text: string) {}

  reset(pos: number, prevKind: TokenKind): void {
    this.pos = pos;
    this.prev = prevKind;
    this.pending = null;
  }

  private error(start: number, end: number, message: string): void {
    (this.pending ??= []).push({ span: { start, end }, message });
  }

  /** Comments seen while skipping layout, in source order, each once. */
  get comments(): Span[] {
    if (!this.commentsSorted) {
      this.commentList.sort((a, b) => a.start - b.start);
      this.commentsSorted = true;
    }
    return this.commentList;
  }

  private recordComment(start: number, end: number): void {
    // Backtracking re-lexes text, so the same comment can come by again.
    if (this.commentStarts.has(start)) return;
    const list = this.commentList;
    if (list.length > 0 && (list[list.length - 1] as Span).start > start) this.commentsSorted = false;
    this.commentStarts.add(start);
    list.push({ start, end });
  }

  /** Skips whitespace and comments; returns true if anything was skipped. */
  skipLayout(): boolean {
    const t = this.text;
    const n = t.length;
    const begin = this.pos;
    let p = this.pos;
    if (p === 0 && t.charCodeAt(0) === C.Hash && t.charCodeAt(1) === C.Bang) {
      // A `#!` interpreter line is layout; it is kept as a comment so the formatter keeps it.
      let e = t.indexOf('\n');
      if (e < 0) e = n;
      this.recordComment(0, e);
      p = e;
    }
    while (p < n) {
      const c = t.charCodeAt(p);
      if (c < 128 && ((CLS[c] as number) & SPACE) !== 0) {
        p++;
      } else if (c === C.Slash) {
        const d = t.charCodeAt(p + 1);
        if (d === C.Slash) {
          let e = t.indexOf('\n', p);
          if (e < 0) e = n;
          this.recordComment(p, e);
          p = e;
        } else if (d === C.Star) {
          const e = t.indexOf('*/', p + 2);
          if (e < 0) {
            this.error(p, n, 'end of file during comment');
            this.recordComment(p, n);
            p = n;
          } else {
            this.recordComment(p, e + 2);
            p = e + 2;
          }
        } else {
          break;
        }
      } else {
        break;
      }
    }
    this.pos = p;
    return p !== begin;
  }

  next(): Token {
    let spaced = this.skipLayout();
    for (;;) {
      const tok = this.scan(spaced);
      if (tok) {
        this.prev = tok.kind;
        if (this.pending) {
          tok.errors = this.pending;
          this.pending = null;
        }
        return tok;
      }
      // An invalid character was skipped (and reported); carry on with what follows.
      spaced = this.skipLayout() || true;
    }
  }

  private make(kind: TokenKind, start: number, end: number, spaced: boolean, text = ''): Token {
    this.pos = end;
    return { kind, start, end, spaced, text, int: null, errors: null };
  }

  private scan(spaced: boolean): Token | null {
    const t = this.text;
    const p = this.pos;
    if (p >= t.length) return this.make('eof', t.length, t.length, spaced);
    const c = t.charCodeAt(p);
    const d = t.charCodeAt(p + 1);
    const k = c < 128 ? (CLS[c] as number) : 0;
    if ((k & ID_START) !== 0) {
      const e = identEnd(t, p + 1);
      return this.make('ident', p, e, spaced, t.slice(p, e));
    }
    if ((k & DIGIT) !== 0) return this.number(p, spaced);
    switch (c) {
      case C.Quote:
        return this.string(p, spaced);
      case C.Apos:
        return this.char(p, spaced);
      case C.Dollar: {
        if (isDigit(d)) {
          let e = p + 1;
          while (e < t.length && isDigit(t.charCodeAt(e))) e++;
          return this.make('param', p, e, spaced, t.slice(p + 1, e));
        }
        if (d === C.Hash) return this.make('paramcount', p, p + 2, spaced);
        if (isIdentStart(d)) {
          const e = identEnd(t, p + 2);
          return this.make('var', p, e, spaced, t.slice(p + 1, e));
        }
        this.error(p, p + 1, "invalid character '$'");
        this.pos = p + 1;
        return null;
      }
      case C.At: {
        const e = isIdentStart(d) ? identEnd(t, p + 2) : p + 1;
        return this.make('map', p, e, spaced, t.slice(p + 1, e));
      }
      case C.Hash:
        return this.make('hash', p, p + 1, spaced);
      case C.LParen:
        return this.make('(', p, p + 1, spaced);
      case C.RParen:
        return this.make(')', p, p + 1, spaced);
      case C.LBrace:
        return this.make('{', p, p + 1, spaced);
      case C.RBrace:
        return this.make('}', p, p + 1, spaced);
      case C.LBracket:
        return this.make('[', p, p + 1, spaced);
      case C.RBracket:
        return this.make(']', p, p + 1, spaced);
      case C.Semi:
        return this.make(';', p, p + 1, spaced);
      case C.Comma:
        return this.make(',', p, p + 1, spaced);
      case C.Colon:
        return this.make(':', p, p + 1, spaced);
      case C.Question:
        return this.make('?', p, p + 1, spaced);
      case C.Tilde:
        return this.make('~', p, p + 1, spaced);
      case C.Dot:
        return d === C.Dot ? this.make('..', p, p + 2, spaced) : this.make('.', p, p + 1, spaced);
      case C.Eq:
        return d === C.Eq ? this.make('==', p, p + 2, spaced) : this.make('=', p, p + 1, spaced);
      case C.Bang:
        return d === C.Eq ? this.make('!=', p, p + 2, spaced) : this.make('!', p, p + 1, spaced);
      case C.Lt:
        if (d === C.Lt) {
          return t.charCodeAt(p + 2) === C.Eq ? this.make('<<=', p, p + 3, spaced) : this.make('<<', p, p + 2, spaced);
        }
        return d === C.Eq ? this.make('<=', p, p + 2, spaced) : this.make('<', p, p + 1, spaced);
      case C.Gt:
        if (d === C.Gt) {
          return t.charCodeAt(p + 2) === C.Eq ? this.make('>>=', p, p + 3, spaced) : this.make('>>', p, p + 2, spaced);
        }
        return d === C.Eq ? this.make('>=', p, p + 2, spaced) : this.make('>', p, p + 1, spaced);
      case C.Plus:
        if (d === C.Plus) return this.make('++', p, p + 2, spaced);
        return d === C.Eq ? this.make('+=', p, p + 2, spaced) : this.make('+', p, p + 1, spaced);
      case C.Minus:
        if (d === C.Minus) return this.make('--', p, p + 2, spaced);
        if (d === C.Gt) return this.make('->', p, p + 2, spaced);
        return d === C.Eq ? this.make('-=', p, p + 2, spaced) : this.make('-', p, p + 1, spaced);
      case C.Star:
        return d === C.Eq ? this.make('*=', p, p + 2, spaced) : this.make('*', p, p + 1, spaced);
      case C.Slash:
        return d === C.Eq ? this.make('/=', p, p + 2, spaced) : this.make('/', p, p + 1, spaced);
      case C.Percent:
        return d === C.Eq ? this.make('%=', p, p + 2, spaced) : this.make('%', p, p + 1, spaced);
      case C.Caret:
        return d === C.Eq ? this.make('^=', p, p + 2, spaced) : this.make('^', p, p + 1, spaced);
      case C.Amp:
        if (d === C.Amp) return this.make('&&', p, p + 2, spaced);
        return d === C.Eq ? this.make('&=', p, p + 2, spaced) : this.make('&', p, p + 1, spaced);
      case C.Pipe:
        if (d === C.Pipe) return this.make('||', p, p + 2, spaced);
        return d === C.Eq ? this.make('|=', p, p + 2, spaced) : this.make('|', p, p + 1, spaced);
      default: {
        const width = badCharWidth(t, p);
        this.error(p, p + width, `invalid character '${t.slice(p, p + width)}'`);
        this.pos = p + width;
        return null;
      }
    }
  }

  /** Scans `[digits_]` in `radix` from `p`; returns the end and the digits without `_`. */
  private digits(p: number, radix: 2 | 10 | 16): { end: number; digits: string; trailing: boolean } {
    const t = this.text;
    let e = p;
    let clean = '';
    let runStart = p;
    for (; e < t.length; e++) {
      const c = t.charCodeAt(e);
      if (c === C.Underscore) {
        clean += t.slice(runStart, e);
        runStart = e + 1;
        continue;
      }
      const ok = radix === 16 ? hexDigit(c) >= 0 : radix === 2 ? c === C.D0 || c === C.D1 : isDigit(c);
      if (!ok) break;
    }
    clean += t.slice(runStart, e);
    return { end: e, digits: clean, trailing: e > p && t.charCodeAt(e - 1) === C.Underscore };
  }

  private number(p: number, spaced: boolean): Token {
    const t = this.text;
    const c1 = t.charCodeAt(p + 1);
    let e: number;
    let magnitude = 0n;
    let bad = false;
    let trailing = false;
    let scientific = false;
    if (t.charCodeAt(p) === C.D0 && (c1 === C.LowerX || c1 === C.UpperX)) {
      const r = this.digits(p + 2, 16);
      e = r.end;
      trailing = r.trailing;
      if (r.digits === '') {
        this.error(p, e, `invalid integer literal '${t.slice(p, e)}'`);
        bad = true;
      } else magnitude = digitsValue(r.digits, 16);
    } else if (
      t.charCodeAt(p) === C.D0 &&
      (c1 === C.LowerB || c1 === C.UpperB) &&
      (t.charCodeAt(p + 2) === C.D0 || t.charCodeAt(p + 2) === C.D1)
    ) {
      const r = this.digits(p + 2, 2);
      e = r.end;
      trailing = r.trailing;
      magnitude = digitsValue(r.digits, 2);
    } else {
      const r = this.digits(p, 10);
      e = r.end;
      trailing = r.trailing;
      const octal = r.digits.length > 1 && r.digits.charCodeAt(0) === C.D0;
      if (octal) {
        const badDigit = /[89]/.exec(r.digits);
        if (badDigit) {
          this.error(p, e, `invalid digit '${badDigit[0]}' in octal literal '${t.slice(p, e)}'`);
          bad = true;
        } else magnitude = digitsValue(r.digits, 8);
      } else {
        magnitude = digitsValue(r.digits, 10);
        const ec = t.charCodeAt(e);
        if ((ec === C.LowerE || ec === C.UpperE) && isDigit(t.charCodeAt(e + 1))) {
          const x = this.digits(e + 1, 10);
          if (magnitude < 1n || magnitude > 9n) {
            this.error(p, x.end, `coefficient part of scientific literal must be 1-9: ${t.slice(p, x.end)}`);
            bad = true;
          }
          magnitude = scientificValue(magnitude, BigInt(x.digits));
          trailing ||= x.trailing;
          e = x.end;
          scientific = true;
        }
      }
    }
    if (trailing) this.error(e - 1, e, 'trailing underscore in integer literal');
    // BPF has no floating point; say so rather than producing a tuple index on an integer.
    if (!scientific && t.charCodeAt(e) === C.Dot && isDigit(t.charCodeAt(e + 1)) && this.prev !== '.') {
      let f = e + 1;
      while (f < t.length && isDigit(t.charCodeAt(f))) f++;
      this.error(p, f, 'floating-point literals are not supported');
      e = f;
      bad = true;
    }
    const s = identEnd(t, e);
    const suffixText = t.slice(e, s);
    const tok = this.make('int', p, s, spaced, t.slice(p, s));
    if (suffixText !== '' && !isDurationUnit(suffixText) && !isIntSuffix(suffixText)) {
      this.error(e, s, `invalid integer suffix '${suffixText}'`);
      tok.int = { value: 0n, suffix: null, unit: null, isChar: false };
      return tok;
    }
    const meaning = applyIntSuffix(magnitude, suffixText, tok.text);
    if (typeof meaning === 'string') {
      if (!bad) this.error(p, s, meaning);
      tok.int = { value: 0n, suffix: null, unit: null, isChar: false };
    } else {
      tok.int = { value: bad ? 0n : meaning.value, suffix: meaning.suffix, unit: meaning.unit, isChar: false };
    }
    return tok;
  }

  private string(p: number, spaced: boolean): Token {
    const t = this.text;
    const out: string[] = [];
    let i = p + 1;
    let run = i;
    for (;;) {
      if (i >= t.length || t.charCodeAt(i) === C.LF) {
        out.push(t.slice(run, i));
        this.error(p, i, 'unterminated string');
        break;
      }
      const c = t.charCodeAt(i);
      if (c === C.Quote) {
        out.push(t.slice(run, i));
        i++;
        break;
      }
      if (c === C.Backslash) {
        out.push(t.slice(run, i));
        const esc = decodeEscape(t, i);
        if (esc.error) this.error(i, esc.end, esc.error);
        else out.push(String.fromCharCode(esc.byte));
        i = esc.end;
        run = i;
        continue;
      }
      if (c >= 0x100) {
        // Strings hold bytes. The CLI hands over scripts as bytes (one char per byte), so only
        // text given as real Unicode has characters above 0xff: those become their UTF-8 bytes.
        out.push(t.slice(run, i));
        const cp = t.codePointAt(i) ?? c;
        pushUtf8(out, cp);
        i += cp > 0xffff ? 2 : 1;
        run = i;
        continue;
      }
      i++;
    }
    return this.make('string', p, i, spaced, out.join(''));
  }

  private char(p: number, spaced: boolean): Token {
    const t = this.text;
    let i = p + 1;
    let value = -1;
    const c = t.charCodeAt(i);
    if (c === C.Backslash) {
      const esc = decodeEscape(t, i);
      if (esc.error) this.error(i, esc.end, esc.error);
      value = esc.byte;
      i = esc.end;
    } else if (c === C.Apos) {
      this.error(p, i + 1, 'empty character literal');
      const tok = this.make('int', p, i + 1, spaced, t.slice(p, i + 1));
      tok.int = { value: 0n, suffix: null, unit: null, isChar: true };
      return tok;
    } else if (i < t.length && c !== C.LF) {
      const cp = t.codePointAt(i) ?? c;
      if (cp > 0xff) this.error(p, i + 1, 'character literal must be a single byte');
      value = cp;
      i += cp > 0xffff ? 2 : 1;
    }
    if (t.charCodeAt(i) === C.Apos) {
      i++;
    } else {
      // Find a closing quote on this line to resync; otherwise take just the opening quote.
      let e = i;
      while (e < t.length && t.charCodeAt(e) !== C.Apos && t.charCodeAt(e) !== C.LF) e++;
      if (t.charCodeAt(e) === C.Apos) {
        this.error(p, e + 1, 'character literal must contain exactly one character');
        i = e + 1;
      } else {
        this.error(p, i, 'unterminated character literal');
      }
      value = -1;
    }
    const tok = this.make('int', p, i, spaced, t.slice(p, i));
    tok.int = { value: BigInt(Math.max(0, value)), suffix: null, unit: null, isChar: true };
    return tok;
  }
}

/**
 * Width of the character at `p` for an "invalid character" message: a whole UTF-8 sequence when
 * the text is bytes (as the CLI passes it), so the message shows `£` rather than two odd bytes.
 */
function badCharWidth(t: string, p: number): number {
  const c = t.charCodeAt(p);
  if (c > 0xff) return (t.codePointAt(p) ?? c) > 0xffff ? 2 : 1;
  const len = c >= 0xf0 && c <= 0xf7 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
  for (let i = 1; i < len; i++) {
    const d = t.charCodeAt(p + i);
    if (!(d >= 0x80 && d <= 0xbf)) return 1;
  }
  return len;
}

/** The offset of the first character at or after `p` that is not whitespace or a comment. */
export function skipLayoutFrom(text: string, p: number): number {
  const n = text.length;
  while (p < n) {
    const c = text.charCodeAt(p);
    if (isSpace(c)) p++;
    else if (c === C.Slash && text.charCodeAt(p + 1) === C.Slash) {
      const e = text.indexOf('\n', p);
      p = e < 0 ? n : e;
    } else if (c === C.Slash && text.charCodeAt(p + 1) === C.Star) {
      const e = text.indexOf('*/', p + 2);
      p = e < 0 ? n : e + 2;
    } else break;
  }
  return p;
}

/** How the parser names a token in "unexpected X" messages, following bison's wording. */
export function describeToken(tok: Token): string {
  switch (tok.kind) {
    case 'eof':
      return 'end of file';
    case 'ident':
      return KEYWORDS.has(tok.text) ? tok.text : 'identifier';
    case 'int':
      return tok.int?.isChar ? 'character' : 'integer';
    case 'string':
      return 'string';
    case 'var':
      return 'variable';
    case 'param':
      return 'positional parameter';
    case 'paramcount':
      return '$#';
    case 'map':
      return 'map';
    case 'hash':
      return '#';
    default:
      return tok.kind;
  }
}

/**
 * Words with a fixed meaning in statements; they cannot name variables of expressions.
 * `config` is not one: a top-level `config = { ... }` is the config block, elsewhere `config`
 * is the builtin record of config values (`config.max_strlen`).
 */
export const KEYWORDS: ReadonlySet<string> = new Set([
  'if',
  'else',
  'for',
  'while',
  'unroll',
  'let',
  'return',
  'break',
  'continue',
  'import',
  'macro',
  'sizeof',
  'offsetof',
  'typeof',
]);
