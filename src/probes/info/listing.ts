// `bpftrace -l [search]` and `-lv`: the probes (and, verbose, their arguments) matching a
// search like `tracepoint:syscalls:sys_enter_open*`, `k:vfs_*` or `*`.
//
// By default the output is what bpftrace 0.17 prints, quirks included (`software:*` prints
// the single line `software:*:`). `style: '0.26'` follows bpftrace 0.26 instead (real
// software/hardware event lists, fentry/fexit names, rawtracepoints, BTF-derived iterators).
// rawtracepoint and fentry/fexit, which 0.17 does not know, use 0.26 rules in both styles.

import { existsSync } from 'node:fs';
import { type Btf, loadKernelBtf } from '../../btf/btf.ts';
import { declToString } from '../../btf/c-decl.ts';
import { UserError } from '../../lang/diagnostics.ts';
import { splitAttachParts } from '../attach-parts.ts';
import { bpfTargetText, matchBpfTargets } from '../kernel/bpf-programs.ts';
import { targetPid } from '../user-env.ts';
import { globToMatcher, hasWildcard } from './glob.ts';
import { findProbeType, HARDWARE_EVENTS, type ListStyle, probeTable, SOFTWARE_EVENTS } from './probe-types.ts';
import {
  allBtfs,
  btfFunctionNames,
  btfIterNames,
  compareBytes,
  kprobeFunctionNames,
  RAW_TP_PREFIXES,
  rawTracepointNames,
  traceableFunctions,
  tracepointNames,
} from './symbol-sources.ts';
import { formatFilePath, readTracepointFormat, tracepointArgDecls } from './tracepoint-format.ts';
import { listTypes } from './type-listing.ts';
import { listUserProbes } from './user-listing.ts';

export type { ListStyle } from './probe-types.ts';

export interface ListOptions {
  /** -v: print each probe's arguments under it. */
  verbose?: boolean;
  /** Which bpftrace to imitate; '0.17' by default. */
  style?: ListStyle;
  /**
   * Whether the kernel supports kfunc (0.17) / fentry (0.26) probes. When false they are left
   * out of wildcard probe types, and naming them is an error, as in bpftrace (which decides by
   * loading a test program). Default: whether kernel BTF exists.
   */
  kfuncAvailable?: boolean;
}

export interface ListError {
  message: string;
  /** The offending attach point's place in the search text (0-based, end exclusive), if any. */
  span: { start: number; end: number } | null;
}

export interface ListResult {
  /** Output lines, without newlines. */
  lines: string[];
  /** Messages bpftrace prints as `WARNING: ...`. */
  warnings: string[];
  /** Messages bpftrace prints as `ERROR: ...`; listing continues past them where bpftrace does. */
  errors: ListError[];
}

interface Ctx {
  verbose: boolean;
  style: ListStyle;
  kfunc: boolean;
  out: ListResult;
  /** Span of the attach point being expanded, for error messages. */
  span: { start: number; end: number } | null;
}

/** Lists probes (or, for `struct X`/`union X`/`enum X`, types) matching `search`. */
export function listProbes(search: string | undefined, opts: ListOptions = {}): ListResult {
  const out: ListResult = { lines: [], warnings: [], errors: [] };
  let s = search ?? '';
  if (s === '' || s === '*') s = '*:*';
  const ctx: Ctx = {
    verbose: opts.verbose ?? false,
    style: opts.style ?? '0.17',
    kfunc: opts.kfuncAvailable ?? existsSync('/sys/kernel/btf/vmlinux'),
    out,
    span: null,
  };
  if (ctx.style === '0.17' && isTypeSearch(s)) {
    // Verbose entries are whole definitions; split them so every entry is one line.
    out.lines = listTypes(s, ctx.verbose).flatMap((e) => e.split('\n'));
    return out;
  }
  for (const ap of splitAttachPoints(s)) {
    if (isTypeSearch(ap.text)) {
      // 0.26 lists types among probes (`kprobe:f,struct file`), naming the BTF of a definition.
      const defs = listTypes(ap.text, ctx.verbose).map((e) => (ctx.verbose ? `vmlinux: ${e}` : e));
      out.lines.push(...defs.flatMap((e) => e.split('\n')));
      continue;
    }
    ctx.span = { start: ap.start, end: ap.start + ap.text.length };
    // 0.26 reads a bare word (`*nanosleep*`, `sched_switch`) as a name under any probe type.
    const text = ctx.style === '0.26' && ap.text !== '' && !ap.text.includes(':') ? `*:${ap.text}` : ap.text;
    expand(ctx, text, false);
  }
  return out;
}

/** Whether a search names kernel types (`struct task_*`) rather than probes. */
function isTypeSearch(s: string): boolean {
  return !s.includes(':') && /^(?:struct|union|enum)/.test(s);
}

/**
 * Splits `a:b,c:d` into attach points with their offsets; commas inside `{}` (glob
 * alternatives) or quotes do not split. Surrounding blanks are trimmed.
 */
export function splitAttachPoints(s: string): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  let depth = 0;
  let quoted = false;
  let from = 0;
  const push = (end: number): void => {
    const raw = s.slice(from, end);
    const lead = raw.length - raw.trimStart().length;
    out.push({ text: raw.trim(), start: from + lead });
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '{') depth++;
    else if (!quoted && c === '}' && depth > 0) depth--;
    else if (c === ',' && depth === 0 && !quoted) {
      push(i);
      from = i + 1;
    }
  }
  push(s.length);
  return out;
}

function afterFirstColon(raw: string): string {
  const i = raw.indexOf(':');
  return i < 0 ? raw : raw.slice(i + 1);
}

function expand(ctx: Ctx, raw: string, fromWildcard: boolean): void {
  const parts = splitAttachParts(raw);
  if (parts[0] === '') return; // an empty attach point (trailing comma)
  const { out, style } = ctx;

  if (hasWildcard(parts[0])) {
    const query = parts.length === 1 ? '*' : parts[0];
    const match = globToMatcher(query);
    const user = listsUserProbes(parts);
    const types = probeTable(style)
      .filter((p) => (p.inKernelList || (user && USER_LISTED.has(p.type))) && match(p.name))
      .filter((p) => ctx.kfunc || (p.type !== 'kfunc' && p.type !== 'fentry'))
      .map((p) => p.name)
      .sort(compareBytes);
    if (types.length === 0) {
      out.errors.push({ message: `No probe type matched for ${parts[0]}`, span: ctx.span });
      return;
    }
    if (types.length > 1 || parts.length === 1) {
      const rest = parts.length > 1 ? afterFirstColon(raw) : raw;
      for (const t of types) expand(ctx, `${t}:${rest}`, true);
      return;
    }
    parts[0] = types[0];
  }

  const info = findProbeType(style, parts[0]);
  if (!info) {
    out.errors.push({ message: `Invalid probe type: ${parts[0]}`, span: ctx.span });
    return;
  }
  const name = info.name;
  const bad = (msg: string): void => {
    if (!fromWildcard) out.errors.push({ message: `${name} ${msg}`, span: ctx.span });
  };
  const suffix = afterFirstColon(raw);

  switch (info.type) {
    case 'tracepoint': {
      let target: string;
      let event: string;
      if (style === '0.17') {
        const p = parts.slice(1);
        // `tracepoint:*foo*` means any category.
        if (p.length === 1 && hasWildcard(p[0])) p.unshift('*');
        if (p.length !== 2) {
          bad('probe type requires 2 arguments');
          return;
        }
        [target, event] = p;
      } else if (parts.length > 2) {
        [target, event] = [parts[1], parts.slice(2).join(':')];
      } else {
        [target, event] = ['*', parts[1] ?? '*'];
      }
      const match = globToMatcher(`${target}:${event}`);
      const matches = unique(tracepointNames().filter(match));
      for (const m of matches) {
        out.lines.push(`${name}:${m}`);
        if (ctx.verbose) {
          const colon = m.indexOf(':');
          const [cat, ev] = [m.slice(0, colon), m.slice(colon + 1)];
          try {
            for (const d of tracepointArgDecls(readTracepointFormat(cat, ev))) out.lines.push(`    ${d}`);
          } catch {
            out.errors.push({ message: `tracepoint format file not found: ${formatFilePath(cat, ev)}`, span: null });
          }
        }
      }
      return;
    }

    case 'kprobe':
    case 'kretprobe': {
      if (style === '0.17' && parts.length !== 2) {
        bad('probe type requires 1 argument');
        return;
      }
      if (parts.length < 2 || parts.length > 3) {
        bad('probe type requires 1 or 2 arguments');
        return;
      }
      const withModule = parts.length === 3;
      const pattern = withModule ? `${parts[1]}:${stripOffset(parts[2])}` : stripOffset(parts[1]);
      const match = globToMatcher(pattern);
      const candidates = withModule ? moduleQualifiedFunctions() : kprobeFunctionNames();
      const matches = unique(candidates.filter(match));
      const params = ctx.verbose && style === '0.26' && info.type === 'kprobe' ? kprobeArgs(matches) : null;
      for (const m of matches) {
        out.lines.push(`${name}:${m}`);
        for (const a of params?.get(m) ?? []) out.lines.push(`    ${a}`);
      }
      return;
    }

    case 'kfunc':
    case 'kretfunc':
    case 'fentry':
    case 'fexit': {
      if (parts[1] === 'bpf' && (parts.length === 3 || parts.length === 4) && ctx.kfunc) {
        // Running BPF programs and their sub-programs (0.26): `fentry:bpf:ID:NAME`.
        const [id, func] = parts.length === 4 ? [parts[2], parts[3]] : ['*', parts[2]];
        for (const f of matchBpfTargets(id, func)) out.lines.push(`${name}:${bpfTargetText(f)}`);
        return;
      }
      if (parts.length !== 2 && parts.length !== 3) {
        bad('probe type requires 1 or 2 arguments');
        return;
      }
      if (!ctx.kfunc && !fromWildcard) {
        // What bpftrace's semantic pass says when its kfunc feature probe failed.
        const what = style === '0.17' ? 'kfunc/kretfunc' : 'fentry/fexit';
        out.errors.push({ message: `${what} not available for your kernel version.`, span: ctx.span });
        return;
      }
      let target: string;
      let func: string;
      if (parts.length === 3) {
        [target, func] = [parts[1], parts[2]];
      } else {
        func = parts[1];
        target = '*';
        if (style === '0.17' && !func.includes('*')) {
          // Without a wildcard 0.17 resolves the module first: one module, or any when ambiguous.
          const mods = traceableFunctions().get(func) ?? [];
          target = mods.length === 1 ? mods[0] : mods.length > 1 ? '*' : '';
        }
      }
      const match = globToMatcher(`${target}:${func}`);
      const matches = unique(btfFunctionNames(globToMatcher(target)).filter(match));
      const withRetval = info.type !== 'fentry';
      for (const m of matches) {
        out.lines.push(`${name}:${m}`);
        if (ctx.verbose) for (const a of funcArgs(m, withRetval)) out.lines.push(`    ${a}`);
      }
      return;
    }

    case 'rawtracepoint': {
      const pattern = parts.length > 2 ? suffix : `*:${suffix}`;
      const match = globToMatcher(pattern);
      const matches = rawTracepointNames(globToMatcher(parts.length > 2 ? (parts[1] as string) : '*')).filter(match);
      for (const m of matches) {
        out.lines.push(`${name}:${m}`);
        if (ctx.verbose) for (const a of rawTracepointArgs(m)) out.lines.push(`    ${a}`);
      }
      return;
    }

    case 'software':
    case 'hardware': {
      if (style === '0.17') {
        if (parts.length !== 2 && parts.length !== 3) {
          bad('probe type requires 1 or 2 arguments');
          return;
        }
        if (parts.length === 3 && parts[2] !== '*' && !/^(?:0x[0-9a-fA-F]+|\d+)$/.test(parts[2])) {
          out.errors.push({ message: `Invalid count: ${parts[2]}`, span: ctx.span });
          return;
        }
        // 0.17 echoes the event part back instead of expanding it.
        out.lines.push(`${name}:${parts[1]}:`);
        return;
      }
      const list = info.type === 'software' ? SOFTWARE_EVENTS : HARDWARE_EVENTS;
      const candidates: string[] = [];
      for (const [path, alias] of list) {
        candidates.push(`${path}:`);
        if (alias) candidates.push(`${alias}:`);
      }
      const match = globToMatcher(suffix === '' ? '*' : suffix);
      for (const m of unique(candidates.filter(match))) out.lines.push(`${name}:${m}`);
      return;
    }

    case 'iter': {
      if (parts.length !== 2 && parts.length !== 3) {
        bad('probe type takes 2 arguments (1 optional)');
        return;
      }
      const match = globToMatcher(parts[1]);
      const iters = style === '0.17' ? ['task', 'task_file'] : btfIterNames();
      for (const m of iters.filter(match)) {
        out.lines.push(`${name}:${m}`);
        if (ctx.verbose) for (const a of iterArgs(m, style)) out.lines.push(`    ${a}`);
      }
      return;
    }

    case 'uprobe':
    case 'uretprobe':
    case 'usdt': {
      try {
        out.lines.push(...listUserProbes(info.type, parts.slice(1), ctx.verbose));
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        // Under a wildcard probe type, a target that is no binary just lists nothing.
        if (!fromWildcard) out.errors.push({ message: e.message, span: ctx.span });
      }
      return;
    }
    case 'profile':
    case 'interval': {
      if (style === '0.26') {
        // 0.26 lists the time units (`interval:ms:`), as the target part matches them.
        const match = globToMatcher(`${parts[1] || '*'}:`);
        for (const u of TIME_UNITS.filter(match)) out.lines.push(`${name}:${u}`);
        return;
      }
      out.warnings.push(`listing ${name} probes is not supported`);
      return;
    }
    case 'watchpoint':
    case 'asyncwatchpoint':
    case 'special':
      out.warnings.push(`listing ${name} probes is not supported`);
      return;
  }
}

/** bpftrace's time units for profile/interval, in listing (byte) order. */
const TIME_UNITS = ['hz:', 'ms:', 's:', 'us:'];

/**
 * `-l` with a program (`-e` or a script file): what each of its attach points expands to, one
 * search per attach point as bpftrace's get_probes_for_listing(program) does. Probes that
 * fire on a count or rate list as their event (`interval:ms:100` as `interval:ms:`);
 * begin/end/self are left out.
 */
export function listAttachPoints(rawAttachPoints: readonly string[], opts: ListOptions = {}): ListResult {
  const out: ListResult = { lines: [], warnings: [], errors: [] };
  const ctx: Ctx = {
    verbose: opts.verbose ?? false,
    style: opts.style ?? '0.26',
    kfunc: opts.kfuncAvailable ?? existsSync('/sys/kernel/btf/vmlinux'),
    out,
    span: null,
  };
  for (const raw of rawAttachPoints) {
    const parts = splitAttachParts(raw);
    const info = findProbeType(ctx.style, parts[0] as string);
    if (!info || info.type === 'special') continue;
    const counted = ['software', 'hardware', 'profile', 'interval'].includes(info.type);
    expand(ctx, counted ? `${parts[0]}:${parts[1] ?? ''}:` : raw, false);
  }
  return out;
}

/** The user-space types a wildcard probe type takes in (bpftrace's userspace list). */
const USER_LISTED = new Set(['uprobe', 'usdt']);

/**
 * Whether a wildcard probe type covers uprobes and USDT probes, as in bpftrace: only when the
 * search is scoped to a process (-p) or names an existing file (`*:./prog:*`), so a plain
 * `-l '*'` does not scan the disk.
 */
function listsUserProbes(parts: string[]): boolean {
  if (targetPid() !== null) return true;
  const target = parts[1];
  return parts.length > 1 && target !== undefined && target !== '' && !hasWildcard(target) && existsSync(target);
}

function unique(sortedOrNot: string[]): string[] {
  return [...new Set(sortedOrNot)].sort(compareBytes);
}

/** `func+0x10` -> `func` (an offset does not take part in matching). */
function stripOffset(func: string): string {
  const plus = func.indexOf('+');
  return plus < 0 ? func : func.slice(0, plus);
}

function moduleQualifiedFunctions(): string[] {
  const out: string[] = [];
  for (const [name, mods] of traceableFunctions()) {
    if (name.includes('.part.')) continue;
    for (const m of mods) out.push(`${m}:${name}`);
  }
  return out;
}

/** libbpf-style `type name` text of a parameter, as bpftrace prints arguments. */
function paramText(btf: Btf, type: number, name: string): string {
  return `${declToString(btf, type, '', { typeTags: true })} ${name}`;
}

function btfFor(module: string): Btf | null {
  return allBtfs((m) => m === module)[0] ?? null;
}

/** Arguments of `module:function` for kfunc/fentry -lv, plus `<type> retval` when asked. */
function funcArgs(qualified: string, withRetval: boolean): string[] {
  const colon = qualified.indexOf(':');
  const btf = btfFor(qualified.slice(0, colon));
  const sig = btf?.funcProto(qualified.slice(colon + 1));
  if (!btf || !sig) return [];
  const out = sig.params.map((p) => paramText(btf, p.type, p.name));
  if (withRetval && sig.returnType !== 0) out.push(paramText(btf, sig.returnType, 'retval'));
  return out;
}

/** 0.26 kprobe -lv: `type argN`, numbering only non-float arguments (they use other registers). */
function kprobeArgs(funcs: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const btf = loadKernelBtf();
  for (const f of funcs) {
    const sig = btf.funcProto(f);
    if (!sig) continue;
    const args: string[] = [];
    let n = 0;
    for (const p of sig.params) {
      if (btf.get(p.type).kind === 'float') continue;
      args.push(paramText(btf, p.type, `arg${n++}`));
    }
    out.set(f, args);
  }
  return out;
}

/**
 * Raw tracepoint arguments, named: from the `__probestub_<tp>`/`__traceiter_<tp>` function
 * (whichever BTF lists first, as 0.26 does), minus its leading `void *__data`. Kernels without
 * those stubs only have the `btf_trace_<tp>` typedef, whose parameters are unnamed: those get
 * `argN` names.
 */
function rawTracepointArgs(qualified: string): string[] {
  const colon = qualified.indexOf(':');
  const btf = btfFor(qualified.slice(0, colon));
  const tp = qualified.slice(colon + 1);
  if (!btf) return [];
  let best: number | null = null;
  for (const prefix of RAW_TP_PREFIXES) {
    const id = btf.findId(prefix + tp, 'func');
    if (id !== null && (best === null || id < best)) best = id;
  }
  if (best !== null) {
    const proto = btf.get(btf.getAs(best, 'func').type);
    if (proto.kind !== 'func_proto') return [];
    return proto.params.slice(1).map((p) => paramText(btf, p.type, p.name));
  }
  const td = btf.findId(`btf_trace_${tp}`, 'typedef');
  if (td === null) return [];
  const ptr = btf.get(btf.getAs(td, 'typedef').type);
  const proto = ptr.kind === 'ptr' ? btf.get(ptr.type) : ptr;
  if (proto.kind !== 'func_proto') return [];
  return proto.params.slice(1).map((p, i) => paramText(btf, p.type, p.name || `arg${i}`));
}

function iterArgs(iter: string, style: ListStyle): string[] {
  if (style === '0.17') {
    if (iter === 'task') return ['struct task_struct * task'];
    if (iter === 'task_file') return ['struct task_struct * task', 'int fd', 'struct file * file'];
    return [];
  }
  const btf = loadKernelBtf();
  const sig = btf.funcProto(`bpf_iter_${iter}`);
  if (!sig) return [];
  // The first parameter is the iterator's `struct bpf_iter_meta *meta`.
  return sig.params.slice(1).map((p) => paramText(btf, p.type, p.name));
}

/**
 * Prints a result the way bpftrace does: lines on stdout; warnings, then errors on stderr,
 * errors about an attach point quoted with the search text as bpftrace quotes `stdin`:
 *
 *   stdin:1:1-9: ERROR: software probe type requires 1 or 2 arguments
 *   software
 *   ~~~~~~~~
 */
export function formatListResult(r: ListResult, search = ''): { stdout: string; stderr: string } {
  const stdout = r.lines.map((l) => `${l}\n`).join('');
  let stderr = r.warnings.map((w) => `WARNING: ${w}\n`).join('');
  for (const e of r.errors) {
    if (!e.span) {
      stderr += `ERROR: ${e.message}\n`;
      continue;
    }
    const { start, end } = e.span;
    stderr += `stdin:1:${start + 1}-${end + 1}: ERROR: ${e.message}\n${search}\n`;
    stderr += `${' '.repeat(start)}${'~'.repeat(Math.max(1, end - start))}\n`;
  }
  return { stdout, stderr };
}
