import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lexer, type Token } from '../../src/lang/lexer.ts';

function lex(text: string): Token[] {
  const lx = new Lexer(text);
  const out: Token[] = [];
  for (;;) {
    const t = lx.next();
    out.push(t);
    if (t.kind === 'eof') return out;
  }
}

function one(text: string): Token {
  const toks = lex(text);
  assert.equal(toks.length, 2, `expected one token in ${JSON.stringify(text)}, got ${toks.map((t) => t.kind).join(' ')}`);
  return toks[0] as Token;
}

function intValue(text: string): bigint {
  const t = one(text);
  assert.equal(t.kind, 'int');
  assert.equal(t.errors, null, `errors: ${JSON.stringify(t.errors)}`);
  return t.int?.value ?? -1n;
}

function errorsOf(text: string): string[] {
  return lex(text).flatMap((t) => (t.errors ?? []).map((e) => e.message));
}

describe('lexer: integers', () => {
  it('reads decimal, hex, octal and binary', () => {
    assert.equal(intValue('0'), 0n);
    assert.equal(intValue('42'), 42n);
    assert.equal(intValue('0x1F'), 31n);
    assert.equal(intValue('0XfF'), 255n);
    assert.equal(intValue('0777'), 511n);
    assert.equal(intValue('0b101'), 5n);
    assert.equal(intValue('0B11'), 3n);
  });

  it('accepts _ separators and scientific integers', () => {
    assert.equal(intValue('1_000_000'), 1000000n);
    assert.equal(intValue('0xff_ff'), 65535n);
    assert.equal(intValue('1e6'), 1000000n);
    assert.equal(intValue('2E3'), 2000n);
    assert.equal(intValue('5e0'), 5n);
  });

  it('keeps C suffixes without changing the value', () => {
    for (const s of ['u', 'U', 'l', 'L', 'ul', 'UL', 'll', 'LL', 'ull', 'ULL', 'lu']) {
      const t = one(`123${s}`);
      assert.equal(t.int?.value, 123n, s);
      assert.equal(t.int?.suffix, s);
    }
  });

  it('turns duration literals into nanoseconds', () => {
    const cases: [string, bigint][] = [
      ['10ns', 10n],
      ['5us', 5000n],
      ['100ms', 100_000_000n],
      ['1s', 1_000_000_000n],
      ['2m', 120_000_000_000n],
      ['1h', 3_600_000_000_000n],
      ['1d', 86_400_000_000_000n],
      ['1_000ms', 1_000_000_000n],
    ];
    for (const [text, ns] of cases) {
      const t = one(text);
      assert.equal(t.int?.value, ns, text);
      assert.equal(t.int?.unit, text.replace(/[\d_]/g, ''));
    }
  });

  it('reports bad literals', () => {
    assert.deepEqual(errorsOf('08'), ["invalid digit '8' in octal literal '08'"]);
    assert.deepEqual(errorsOf('1abc'), ["invalid integer suffix 'abc'"]);
    assert.deepEqual(errorsOf('0x'), ["invalid integer literal '0x'"]);
    assert.deepEqual(errorsOf('1_'), ['trailing underscore in integer literal']);
    assert.deepEqual(errorsOf('1.5'), ['floating-point literals are not supported']);
    assert.deepEqual(errorsOf('12e3'), ['coefficient part of scientific literal must be 1-9: 12e3']);
    assert.deepEqual(errorsOf('18446744073709551616'), ['overflow error, maximum value is 18446744073709551615: 18446744073709551616']);
    assert.deepEqual(errorsOf('4294967296u'), ['overflow error, maximum value is 4294967295: 4294967296u']);
    assert.deepEqual(errorsOf('18446744073709551615'), []);
  });

  it('does not take a tuple index chain for a float', () => {
    const kinds = lex('$t.0.1').map((t) => t.kind);
    assert.deepEqual(kinds, ['var', '.', 'int', '.', 'int', 'eof']);
    assert.deepEqual(errorsOf('$t.0.1'), []);
  });

  it('splits a range', () => {
    assert.deepEqual(
      lex('0..10').map((t) => t.kind),
      ['int', '..', 'int', 'eof'],
    );
  });
});

describe('lexer: strings and characters', () => {
  it('decodes C escapes', () => {
    const t = one('"a\\n\\t\\r\\\\\\"\\\'\\x41\\101\\0z"');
    assert.equal(t.kind, 'string');
    assert.equal(t.text, 'a\n\t\r\\"\'AA\0z');
  });

  it('limits hex and octal escapes to their digit counts', () => {
    assert.equal(one('"\\x414"').text, 'A4');
    assert.equal(one('"\\1012"').text, 'A2');
  });

  it('reports bad escapes and unterminated strings', () => {
    assert.deepEqual(errorsOf('"\\q"'), ["invalid escape character '\\q'"]);
    assert.deepEqual(errorsOf('"\\400"'), ["octal escape sequence out of range '\\400'"]);
    assert.deepEqual(errorsOf('"abc'), ['unterminated string']);
    assert.deepEqual(errorsOf('"ab\ncd"'), ['unterminated string', 'unterminated string']);
  });

  it('encodes non-byte characters as UTF-8 and keeps bytes as they are', () => {
    assert.equal(one('"\u00e9"').text, '\u00e9');
    assert.equal(one('"\u20ac"').text, '\xe2\x82\xac');
  });

  it('reads character literals as integers', () => {
    const a = one("'a'");
    assert.equal(a.kind, 'int');
    assert.equal(a.int?.value, 97n);
    assert.equal(a.int?.isChar, true);
    assert.equal(one("'\\n'").int?.value, 10n);
    assert.equal(one("'\\''").int?.value, 39n);
    assert.equal(one("'\\x41'").int?.value, 65n);
    assert.deepEqual(errorsOf("''"), ['empty character literal']);
    assert.deepEqual(errorsOf("'ab'"), ['character literal must contain exactly one character']);
  });
});

describe('lexer: words, sigils and operators', () => {
  it('reads variables, positional parameters, maps', () => {
    const toks = lex('$x $1 $12 $# @m @ @_a1');
    assert.deepEqual(
      toks.map((t) => [t.kind, t.text]),
      [
        ['var', 'x'],
        ['param', '1'],
        ['param', '12'],
        ['paramcount', ''],
        ['map', 'm'],
        ['map', ''],
        ['map', '_a1'],
        ['eof', ''],
      ],
    );
  });

  it('takes the longest operator', () => {
    const text = '<<= >>= << >> <= >= == != && || ++ -- -> += -= *= /= %= &= |= ^= .. . ? : ~ !';
    const kinds = lex(text).map((t) => t.kind);
    assert.deepEqual(kinds.slice(0, -1), text.split(' '));
  });

  it('skips comments and records them', () => {
    const lx = new Lexer('a // one\n/* two\n */ b');
    assert.equal(lx.next().text, 'a');
    const b = lx.next();
    assert.equal(b.text, 'b');
    assert.equal(b.spaced, true);
    assert.deepEqual(lx.comments, [
      { start: 2, end: 8 },
      { start: 9, end: 19 },
    ]);
  });

  it('treats a leading #! line as a comment', () => {
    const lx = new Lexer('#!/usr/bin/env bpftrace\nbegin');
    assert.equal(lx.next().text, 'begin');
    assert.deepEqual(lx.comments, [{ start: 0, end: 23 }]);
  });

  it('reports invalid characters and keeps going', () => {
    const toks = lex('a ` b');
    assert.deepEqual(
      toks.map((t) => t.kind),
      ['ident', 'ident', 'eof'],
    );
    assert.deepEqual(
      toks[1]?.errors?.map((e) => e.message),
      ["invalid character '`'"],
    );
  });

  it('gives exact spans', () => {
    const toks = lex('  foo(0x10, "s")');
    assert.deepEqual(
      toks.map((t) => [t.start, t.end]),
      [
        [2, 5],
        [5, 6],
        [6, 10],
        [10, 11],
        [12, 15],
        [15, 16],
        [16, 16],
      ],
    );
  });

  it('reports an unterminated block comment', () => {
    assert.deepEqual(errorsOf('a /* b'), ['end of file during comment']);
  });
});
