// Integer constants from the C headers a script includes (`#include <linux/fcntl.h>` then
// `O_CREAT`), as bpftrace's C preprocessor would give them: object-like `#define NAME value`
// lines whose value is an integer constant expression (literals, operators, other such macros).
// Types come from BTF, and from the struct/union/enum definitions of the script's own headers
// (those outside the system dirs), handed to the script's C definition parser.
// Deliberately small: `#if`/`#ifdef` are not evaluated (the first definition of a name wins,
// which is what the common `#ifndef NAME / #define NAME` fallbacks in generic headers expect),
// except tests of the compiler's target macros (`#ifdef __i386__`, `#elif defined(__ILP32__)`),
// which pick the x86_64 branch as the compiler would (asm/unistd.h chooses the syscall table
// so). A header of the script that cannot be found is an error (include-check.ts); one that a
// header includes is skipped.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { release } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import type { Expr, Program } from './ast.ts';
import { IdGen } from './ids.ts';
import { parseExpressionAt } from './parser.ts';

export interface HeaderOptions {
  /** `-I DIR`: searched first, in order. */
  includeDirs: readonly string[];
  /** `--include FILE`: read as if the script began with `#include "FILE"`. */
  includes: readonly string[];
  /** Where `#include "x"` of the script itself looks first (the script's directory, or cwd). */
  scriptDir: string;
  /** The kernel has BTF: BPFTRACE_HAVE_BTF is defined for the script's conditionals, as bpftrace defines it. */
  haveBtf?: boolean;
}

/** What the script may use: the value of a header macro, or null when it is not a constant. */
export interface HeaderConstants {
  get(name: string): bigint | null;
  /** The C text of the headers outside the system dirs (the script's own), one string each. */
  readonly userTypes: string[];
}

/** Bounds on the work one script's includes can cause. */
const MAX_DEPTH = 24;
const MAX_FILES = 2000;

/** Where the compiler would look for `<...>` headers: libc's, then the kernel's when installed. */
export function systemDirs(): string[] {
  const build = `/lib/modules/${release()}/build`;
  const kernel = [
    'arch/x86/include',
    'arch/x86/include/generated',
    'include',
    'arch/x86/include/uapi',
    'arch/x86/include/generated/uapi',
    'include/uapi',
    'include/generated/uapi',
  ];
  return [
    '/usr/local/include',
    '/usr/include/x86_64-linux-gnu',
    '/usr/include',
    ...(existsSync(build) ? kernel.map((d) => join(build, d)) : []),
  ];
}

const INCLUDE = /^[ \t]*#[ \t]*include[ \t]*([<"])([^>"]+)[>"]/;
const DEFINE = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(?![\w(])[ \t]*(.*)$/;

/** Comments removed and continuation lines joined, one logical line per element. */
function logicalLines(text: string): string[] {
  const stripped = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, '');
  return stripped.replace(/\\\r?\n/g, ' ').split('\n');
}

/**
 * The file `#include` names, as the compiler looks for it: an absolute path as is, `"x"` first
 * beside the including file, then the `-I` dirs, then the system dirs; null when none has it.
 */
export function findHeader(
  path: string,
  quoted: boolean,
  from: string,
  includeDirs: readonly string[],
  sys: readonly string[],
): string | null {
  const dirs = isAbsolute(path) ? [''] : [...(quoted ? [from] : []), ...includeDirs, ...sys];
  for (const d of dirs) {
    const p = d === '' ? path : join(d, path);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** The macros of the script's headers, read now; values are worked out when first used. */
export function headerConstants(program: Program, opts: HeaderOptions): HeaderConstants | null {
  const wanted: { path: string; quoted: boolean; from: string }[] = [
    ...opts.includes.map((path) => ({ path, quoted: true, from: opts.scriptDir })),
    ...program.items.flatMap((i) => (i.kind === 'Include' ? [{ path: i.path, quoted: !i.system, from: opts.scriptDir }] : [])),
  ];
  if (wanted.length === 0) return null;
  const sys = systemDirs();
  const texts = new Map<string, string>();
  const seen = new Set<string>();
  const userTypes: string[] = [];
  const isSystem = (file: string): boolean => sys.some((d) => file.startsWith(`${d}/`));
  const locate = (path: string, quoted: boolean, from: string): string | null => findHeader(path, quoted, from, opts.includeDirs, sys);

  const read = (file: string, depth: number): void => {
    const conds = new TargetConditionals();
    if (seen.has(file) || depth > MAX_DEPTH || seen.size >= MAX_FILES) return;
    seen.add(file);
    let text: string;
    try {
      text = readFileSync(file, 'latin1');
    } catch {
      return;
    }
    const code: string[] = [];
    for (const line of logicalLines(text)) {
      if (!conds.feed(line)) continue;
      if (!/^[ \t]*#/.test(line)) code.push(line);
      const inc = INCLUDE.exec(line);
      if (inc) {
        const found = locate(inc[2] as string, inc[1] === '"', dirname(file));
        if (found) read(found, depth + 1);
        continue;
      }
      const def = DEFINE.exec(line);
      if (def && !texts.has(def[1] as string)) texts.set(def[1] as string, (def[2] as string).trim());
    }
    const c = isSystem(file) ? '' : code.join('\n');
    if (/\b(struct|union|enum)\b/.test(c)) userTypes.push(c);
  };
  for (const w of wanted) {
    const found = locate(w.path, w.quoted, w.from);
    if (found) read(found, 0);
  }

  const ids = new IdGen();
  const values = new Map<string, bigint | null>();
  const get = (name: string): bigint | null => {
    if (values.has(name)) return values.get(name) ?? null;
    const text = texts.get(name);
    if (text === undefined || text === '') return null;
    values.set(name, null); // a macro that refers to itself is not a constant
    // C's integer suffixes (1UL, 0x10ULL) are not bpftrace's.
    const plain = text.replace(/\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]+\b/g, '$1');
    const e = parseExpressionAt({ name, text: plain }, 0, plain.length, ids);
    const v = e ? constantValue(e, get) : null;
    values.set(name, v);
    return v;
  };
  return { get, userTypes };
}

/** Target macros the compiler defines for x86_64 Linux, and ones it leaves undefined. */
const TARGET_DEFINED = new Set(['__x86_64__', '__x86_64', '__amd64__', '__LP64__', '_LP64', '__linux__', '__linux', '__unix__', '__ELF__']);
const TARGET_UNDEFINED = new Set([
  '__i386__',
  '__i386',
  '__ILP32__',
  '__x32__',
  '__KERNEL__',
  '__aarch64__',
  '__arm__',
  '__powerpc__',
  '__powerpc64__',
  '__s390__',
  '__s390x__',
  '__mips__',
  '__riscv',
  '__sparc__',
  '__loongarch__',
]);

export const CONDITIONAL = /^[ \t]*#[ \t]*(ifdef|ifndef|if|elif|else|endif)\b[ \t]*(.*)$/;

/** Whether a target macro is defined for x86_64 Linux; null for any other name. */
export function targetMacro(name: string): boolean | null {
  return TARGET_DEFINED.has(name) ? true : TARGET_UNDEFINED.has(name) ? false : null;
}

/** Whether a condition tests a target macro: its truth, or null when it tests anything else. */
function targetCondition(directive: string, rest: string): boolean | null {
  return conditionTruth(directive, rest, targetMacro);
}

/**
 * The truth of `#ifdef NAME`, `#ifndef NAME` or `#if [!]defined(NAME)` (`directive`, `rest`),
 * `defined(name)` telling whether a name is defined (null: not known); null for any other
 * condition.
 */
export function conditionTruth(directive: string, rest: string, defined: (name: string) => boolean | null): boolean | null {
  const cond = rest.trim();
  let negate = directive === 'ifndef';
  let name: string | undefined;
  if (directive === 'ifdef' || directive === 'ifndef') name = /^(\w+)$/.exec(cond)?.[1];
  else {
    const m = /^(!?)[ \t]*defined[ \t]*(?:\([ \t]*(\w+)[ \t]*\)|[ \t]+(\w+))$/.exec(cond);
    if (m) {
      negate = m[1] === '!';
      name = m[2] ?? m[3];
    }
  }
  if (name === undefined) return null;
  const known = defined(name);
  return known === null ? null : known !== negate;
}

/**
 * Follows a header's conditional directives: a group whose condition tests a target macro is
 * read only if the compiler would take it; every other group is read (see the file comment).
 */
class TargetConditionals {
  /** Per open `#if`: whether its current branch is read, and whether an earlier one was taken (null: not a target test). */
  private readonly stack: { reading: boolean; taken: boolean | null }[] = [];

  /** Takes one logical line; returns whether it is to be read as a declaration. */
  feed(line: string): boolean {
    const m = CONDITIONAL.exec(line);
    if (!m) return this.stack.every((f) => f.reading);
    const [directive, rest] = [m[1] as string, m[2] as string];
    const top = this.stack[this.stack.length - 1];
    switch (directive) {
      case 'ifdef':
      case 'ifndef':
      case 'if': {
        const c = targetCondition(directive, rest);
        this.stack.push(c === null ? { reading: true, taken: null } : { reading: c, taken: c });
        break;
      }
      case 'elif': {
        if (!top) break;
        if (top.taken === true) top.reading = false;
        else if (top.taken === false) {
          const c = targetCondition('if', rest);
          top.reading = c ?? true;
          top.taken = c;
        }
        break;
      }
      case 'else':
        if (top && top.taken !== null) top.reading = !top.taken;
        break;
      case 'endif':
        this.stack.pop();
        break;
    }
    return false;
  }
}

/** The value of an integer constant expression, evaluated as 64-bit C; null when not one. */
function constantValue(e: Expr, macro: (name: string) => bigint | null): bigint | null {
  const v = (x: Expr): bigint | null => constantValue(x, macro);
  switch (e.kind) {
    case 'IntegerLit':
      return e.unit === null ? e.value : null;
    case 'Identifier':
      return macro(e.name);
    case 'Unary': {
      const a = v(e.operand);
      if (a === null) return null;
      if (e.op === '-') return BigInt.asIntN(64, -a);
      if (e.op === '+') return a;
      if (e.op === '~') return BigInt.asIntN(64, ~a);
      if (e.op === '!') return a === 0n ? 1n : 0n;
      return null;
    }
    case 'Binary': {
      const a = v(e.left);
      const b = v(e.right);
      if (a === null || b === null) return null;
      const r = binary(e.op, a, b);
      return r === null ? null : BigInt.asIntN(64, r);
    }
    case 'Ternary': {
      const c = v(e.cond);
      return c === null ? null : v(c !== 0n ? e.then : e.else);
    }
    default:
      return null;
  }
}

/** A C binary operator on integer constants (comparisons give 1 or 0); null when undefined. */
export function binary(op: string, a: bigint, b: bigint): bigint | null {
  const bool = (x: boolean): bigint => (x ? 1n : 0n);
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0n ? null : a / b;
    case '%':
      return b === 0n ? null : a % b;
    case '&':
      return a & b;
    case '|':
      return a | b;
    case '^':
      return a ^ b;
    case '<<':
      return a << (b & 63n);
    case '>>':
      return a >> (b & 63n);
    case '==':
      return bool(a === b);
    case '!=':
      return bool(a !== b);
    case '<':
      return bool(a < b);
    case '<=':
      return bool(a <= b);
    case '>':
      return bool(a > b);
    case '>=':
      return bool(a >= b);
    case '&&':
      return bool(a !== 0n && b !== 0n);
    case '||':
      return bool(a !== 0n || b !== 0n);
    default:
      return null;
  }
}
