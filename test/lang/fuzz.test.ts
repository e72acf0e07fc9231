// Fuzzing the front end with random token soup and mutated corpus scripts (fixed seed, so a
// failure reproduces). Properties: nothing but CompileAbort escapes, each input finishes
// quickly, every span lies inside the source, and whatever parses cleanly formats to text that
// parses cleanly and formats to itself.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { SourceFile } from '../../src/lang/ast.ts';
import { CompileAbort, Diagnostics } from '../../src/lang/diagnostics.ts';
import { formatScript, parseScript } from '../../src/lang/frontend.ts';

const corpusDir = fileURLToPath(new URL('../../../test/corpus/', import.meta.url));
const corpus = readdirSync(corpusDir)
  .filter((f) => f.endsWith('.bt'))
  .sort()
  .map((f) => readFileSync(corpusDir + f, 'latin1'));

/** mulberry32: small, fast, deterministic. */
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

const VOCAB = [
  'BEGIN',
  'END',
  'begin',
  'kprobe:f',
  'uprobe:/bin/sh:main',
  'tracepoint:a:b',
  'interval:s:1',
  'k:vfs_*',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ';',
  ',',
  ':',
  '.',
  '..',
  '->',
  '?',
  '=',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '<<',
  '>>',
  '<<=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '&',
  '|',
  '^',
  '!',
  '~',
  '&&',
  '||',
  '++',
  '--',
  '+=',
  '-=',
  '$x',
  '$y',
  '$1',
  '$#',
  '@m',
  '@',
  '@m[1]',
  'pid',
  'comm',
  'args',
  'arg0',
  'retval',
  'x',
  'foo',
  '0',
  '1',
  '42',
  '0x1f',
  '0777',
  '0b1',
  '1e6',
  '10ms',
  '1_000',
  '123ul',
  "'a'",
  '"str"',
  '"a\\n"',
  'if',
  'else',
  'for',
  'while',
  'unroll',
  'let',
  'return',
  'break',
  'continue',
  'macro',
  'config',
  'import',
  'sizeof',
  'offsetof',
  'typeof',
  'struct',
  'union',
  'enum',
  'typedef',
  'true',
  'false',
  'uint32',
  'int8[4]',
  '(struct task_struct *)',
  '(uint64)',
  'printf',
  'count()',
  'print',
  'delete',
  '#include <a.h>',
  '\n#define X 1\n',
  '/*',
  '*/',
  '//',
  '"',
  "'",
  '\\',
  '#',
  '`',
  '$',
  '@@',
  '\u00a3',
  '/pid == 1/',
  '_',
  '!',
  'fn',
];

const SPACES = [' ', '', '\n', '\t', '  '];

function soup(r: () => number): string {
  const n = 1 + Math.floor(r() * 60);
  let s = '';
  for (let i = 0; i < n; i++) {
    s += VOCAB[Math.floor(r() * VOCAB.length)];
    s += SPACES[Math.floor(r() * SPACES.length)];
  }
  return s;
}

function mutate(r: () => number, text: string): string {
  let s = text;
  const edits = 1 + Math.floor(r() * 4);
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(r() * (s.length + 1));
    const len = Math.floor(r() * 12);
    switch (Math.floor(r() * 5)) {
      case 0:
        s = s.slice(0, at) + s.slice(at + len);
        break;
      case 1:
        s = s.slice(0, at) + (VOCAB[Math.floor(r() * VOCAB.length)] ?? '') + s.slice(at);
        break;
      case 2:
        s = s.slice(0, at) + s.slice(at, at + len) + s.slice(at);
        break;
      case 3:
        s = s.slice(0, at) + String.fromCharCode(Math.floor(r() * 256)) + s.slice(at + 1);
        break;
      default: {
        const other = Math.floor(r() * (s.length + 1));
        s = s.slice(0, at) + s.slice(other, other + len) + s.slice(at);
      }
    }
  }
  return s;
}

function preview(text: string): string {
  return JSON.stringify(text.length > 400 ? `${text.slice(0, 400)}...` : text);
}

function checkSpans(value: unknown, length: number, where: string): void {
  const seen = new Set<unknown>();
  const go = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    const o = v as Record<string, unknown>;
    if (typeof o.start === 'number' && typeof o.end === 'number') {
      assert.ok(o.start >= 0 && o.start <= o.end && o.end <= length, `bad span ${o.start}..${o.end} (length ${length}) in ${where}`);
    }
    for (const x of Object.values(o)) go(x);
  };
  go(value);
}

function runCase(text: string, label: string): void {
  const source: SourceFile = { name: 'fuzz', text };
  const diags = new Diagnostics(source);
  const t0 = performance.now();
  let program: unknown = null;
  try {
    program = parseScript(source, diags, { partial: true });
  } catch (e) {
    if (!(e instanceof CompileAbort)) {
      throw new Error(`${label}: front end threw ${String(e)}\ninput: ${preview(text)}`);
    }
  }
  const ms = performance.now() - t0;
  assert.ok(ms < 2000, `${label}: took ${ms.toFixed(0)} ms\ninput: ${preview(text)}`);
  checkSpans(program, text.length, `${label} ast; input ${preview(text)}`);
  checkSpans(diags.list, text.length, `${label} diagnostics; input ${preview(text)}`);
  diags.render();

  // Whatever parses cleanly must format to a script that parses cleanly and formats to itself.
  const d1 = new Diagnostics(source);
  const once = formatScript(source, d1);
  if (once === null || d1.hasErrors) return;
  const again: SourceFile = { name: 'fmt', text: once };
  const d2 = new Diagnostics(again);
  const twice = formatScript(again, d2);
  assert.ok(!d2.hasErrors, `${label}: formatted text does not parse:\n${d2.render()}\ninput: ${preview(text)}\nformatted:\n${once}`);
  assert.equal(twice, once, `${label}: formatting is not idempotent\ninput: ${preview(text)}`);
}

describe('fuzz', () => {
  it('survives random token soup', () => {
    const r = rng(0xb9f7ace);
    for (let i = 0; i < 2000; i++) runCase(soup(r), `soup #${i}`);
  });

  it('survives mutated corpus scripts', () => {
    const r = rng(0x5eed);
    for (let i = 0; i < 2500; i++) {
      const base = corpus[i % corpus.length] ?? '';
      runCase(mutate(r, base), `mutation #${i}`);
    }
  });

  it('survives deep nesting', () => {
    runCase(`begin { $x = ${'('.repeat(5000)}1${')'.repeat(5000)}; }`, 'parens');
    runCase(`begin { $x = ${'-'.repeat(5000)}1; }`, 'unary');
    runCase(`begin ${'{ '.repeat(3000)}${'}'.repeat(3000)}`, 'blocks');
    runCase(`begin { $x = ${'1 + '.repeat(20000)}1; }`, 'long chain');
    runCase(`begin { ${'if (1) { '.repeat(2000)}`, 'unclosed ifs');
  });
});
