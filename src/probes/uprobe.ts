// uprobe:BIN:FUNC[+OFF] / uprobe:BIN:ADDR / uprobe:BIN@FILE:LINE[:COL] / uretprobe:BIN:FUNC —
// dynamic probes on user-space functions. Targets are resolved here to (file, file offset): BIN
// by path, on PATH, as a library name (`libc`), or from -p/-c when omitted; FUNC through the
// object's symbols (wildcards, `name@VERSION`, C++ via `cpp:` with demangled names); a source
// location through the DWARF line table (one address, as an ADDR probe). Each target is attached
// through the uprobe PMU, or all targets of a program with one uprobe_multi link where the
// kernel has it. The attach cookie is the target's function index, so `func` names the probed
// function even after the process is gone.

import { existsSync } from 'node:fs';
import { Attr, BPF_F_UPROBE_MULTI_RETURN, LINK_CREATE_UPROBE_MULTI } from '../bpf/attr.ts';
import { BPF_LINK_CREATE, BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_MULTI } from '../bpf/constants.ts';
import { features } from '../bpf/features.ts';
import { attachPerfEvent, fdLink, type Link } from '../bpf/link.ts';
import { openUprobe } from '../bpf/perf-event.ts';
import type { BpfProgram } from '../bpf/program.ts';
import { checkBpf, EINVAL, ENOENT, ENOTSUPP, ESRCH, SyscallError } from '../bpf/sys.ts';
import { demangle, isMangled, withoutParams } from '../elf/demangle.ts';
import { dwarfArgs, dwarfLineAddress, dwarfTypeByName } from '../elf/dwarf.ts';
import { ElfFile, SHT_SYMTAB } from '../elf/elf.ts';
import { globFiles, pathForProcess, processObjects, resolveBinary, resolveTarget } from '../elf/resolve.ts';
import { ElfObject, type ElfSymbol, isFunction, isPositionIndependent, STB_LOCAL } from '../elf/symbols.ts';
import { isInstructionBoundary } from '../elf/x86-len.ts';
import type { Span } from '../lang/ast.ts';
import { NoMatchesError, UnlocatedError, UserError } from '../lang/diagnostics.ts';
import { registerObject, registerProbeFunction } from '../runtime/usyms.ts';
import { globToMatcher, hasWildcard } from './info/glob.ts';
import { providerNames } from './names.ts';
import { probeNameCookie } from './probe-names.ts';
import {
  type AttachEnv,
  type Attached,
  type AttachHints,
  attachEach,
  attachError,
  missingProbe,
  type ProbeContext,
  type ProbeTarget,
  type Provider,
  TargetSites,
} from './provider.ts';
import { processExeOf, userProbeEnv } from './user-env.ts';

/** What a uprobe target resolved to. */
export interface UprobeSite {
  path: string;
  /** Symbol name ('' for a bare address). */
  symbol: string;
  /** Link-time virtual address of the probed instruction. */
  vaddr: number;
  /** File offset the kernel wants. */
  fileOffset: number;
  retprobe: boolean;
  /** Whether `args` come from the function's DWARF (not for a source line, which names no function: bpftrace). */
  typedArgs: boolean;
  /** Index in the probe-function table (the attach cookie), for `func`. */
  funcIndex: number;
}

const sites = new TargetSites<UprobeSite>();

export function uprobeSite(t: ProbeTarget): UprobeSite | undefined {
  return sites.get(t);
}

/** The binary a target-less `uprobe:FUNC` means: the -p process's executable or the -c command. */
function implicitBinary(): string | null {
  if (userProbeEnv.pid !== null) {
    const exe = processExeOf(userProbeEnv.pid);
    return exe === null ? null : pathForProcess(userProbeEnv.pid, exe);
  }
  return userProbeEnv.cpid !== null ? userProbeEnv.childBinary : null;
}

function missingTarget(provider: string, target: string): UserError {
  return new UserError(`${provider} target file '${target}' does not exist or is not executable`, [
    'give a path to an ELF executable or shared library, a program on PATH, or a library name such as libc',
  ]);
}

/** Resolves BIN to one file or explains why not (bpftrace's message). */
export function resolveUserTarget(provider: string, target: string, pid: number | null = userProbeEnv.pid): string {
  const path = resolveTarget(target, pid);
  if (path) return path;
  // --unsafe probes any existing file (JIT caches, flat binaries), as bpftrace does.
  if (userProbeEnv.unsafe && provider !== 'usdt' && !hasWildcard(target) && existsSync(target)) return target;
  throw missingTarget(provider, target);
}

/**
 * The files a uprobe/USDT target means: with a process (`pid`), `*` or an empty target is every
 * object it has mapped; a path glob (`./testprogs/uprobe*`) every ELF file it matches; anything
 * else the one file resolveUserTarget finds.
 */
export function userTargetFiles(provider: string, target: string, pid: number | null): string[] {
  if ((target === '' || target === '*') && pid !== null) return processObjects(pid).filter((p) => ElfFile.isElf(p));
  if (!hasWildcard(target)) return [resolveUserTarget(provider, target, pid)];
  const files = globFiles(target).filter((p) => resolveBinary(p).length > 0);
  if (!files.length) throw missingTarget(provider, target);
  return files;
}

/** bpftrace's second line for checks --unsafe skips. */
const UNSAFE_HINT = '\nUse --unsafe to force attachment. WARNING: This option could lead to data corruption in the target process.';

function parseInt0(s: string): number | null {
  if (/^0x[0-9a-f]+$/i.test(s)) return Number.parseInt(s.slice(2), 16);
  if (/^[0-9]+$/.test(s)) return Number(s);
  return null;
}

/** Prefer global and weak definitions over file-local ones of the same name. */
function pickSymbol(syms: ElfSymbol[]): ElfSymbol | undefined {
  return syms.find((s) => s.bind !== STB_LOCAL) ?? syms[0];
}

function checkOffset(provider: string, obj: ElfObject, sym: ElfSymbol, off: number): void {
  if (off === 0) return;
  if (off >= sym.size) throw new UserError(`Offset outside the function bounds ('${sym.name}' size is ${sym.size})`);
  const fileOff = obj.elf.vaddrToOffset(sym.value);
  const what = `${obj.path}:${sym.name}+${off}`;
  const ok = fileOff === null ? null : isInstructionBoundary(obj.elf.read(fileOff, Math.min(sym.size, off + 16)), off);
  if (ok === true || userProbeEnv.unsafe) return;
  if (ok === false) throw new UserError(`Could not add ${provider} into middle of instruction: ${what}`, ['use --unsafe to attach anyway']);
  throw new UserError(`Failed to check if ${provider} is in proper place: ${what}`, ['use --unsafe to attach anyway']);
}

function makeTarget(provider: Provider, span: Span, site: Omit<UprobeSite, 'funcIndex'>, name: string, funcName: string): ProbeTarget {
  const t: ProbeTarget = { provider, name, parts: [site.path, funcName, String(site.fileOffset)], span };
  registerObject(site.path, true);
  sites.set(t, { ...site, funcIndex: registerProbeFunction(funcName) });
  return t;
}

/** A probe on the instruction at link-time `address` of `obj`, which must start an instruction of a known function (or --unsafe). */
function addressTarget(
  provider: Provider,
  span: Span,
  obj: ElfObject,
  address: number,
  retprobe: boolean,
  name: string,
  fallbackFunc: string,
  typedArgs = true,
): ProbeTarget {
  const path = obj.path;
  const hit = obj.symbolAt(address);
  const fileOffset = obj.elf.vaddrToOffset(address);
  if (fileOffset === null) throw new UnlocatedError(`Could not resolve address: ${path}:0x${address.toString(16)}`);
  if (!hit) {
    if (!userProbeEnv.unsafe)
      throw new UnlocatedError(`Could not resolve address: ${path}:0x${address.toString(16)}`, [
        'the address is in no known function (stripped binary?): use --unsafe to attach anyway',
      ]);
  } else {
    if (retprobe && hit.offset)
      throw new UserError(`uretprobes cannot be attached at function offset. (address resolved to: ${hit.sym.name}+${hit.offset})`);
    checkOffset(provider.name, obj, hit.sym, hit.offset);
  }
  const symbol = hit?.sym.name ?? '';
  return makeTarget(provider, span, { path, symbol, vaddr: address, fileOffset, retprobe, typedArgs }, name, hit?.sym.name ?? fallbackFunc);
}

function parseLineNumber(what: string, s: string | undefined): number {
  const n = s === undefined ? null : parseInt0(s);
  if (n === null) throw new UserError(`Invalid ${what} number: ${s}`, [`write the ${what} as a decimal number`]);
  return n;
}

const SOURCE_FORMAT_HINT = 'write uprobe:BINARY@FILE:LINE or uprobe:BINARY@FILE:LINE:COLUMN';

/**
 * uprobe:BIN@FILE:LINE[:COL] (parts: `BIN@FILE`, LINE, COL): the first statement of FILE on
 * LINE (at COL), found in BIN's DWARF line table, probed at its address (bpftrace 0.26).
 */
function expandSourceLine(provider: Provider, retprobe: boolean, parts: string[], span: Span): ProbeTarget[] {
  const pname = provider.name;
  if (retprobe) {
    throw new UserError('Source code location not allowed', [`a ${pname} fires when a function returns, not at a line: use uprobe`]);
  }
  const head = parts[0] as string;
  const at = head.indexOf('@');
  const bin = head.slice(0, at);
  const loc = [head.slice(at + 1), ...parts.slice(1)];
  if (loc.length > 3 || !loc[0] || !loc[1] || loc.some((p) => p.includes('@'))) {
    throw new UserError(`Invalid ${pname} arguments, expected format: ${pname}:TARGET@FILE:LINE[:COL]`, [SOURCE_FORMAT_HINT]);
  }
  if (hasWildcard(bin)) throw new UserError('Cannot use wildcards with source code location', ['name one binary']);
  const file = loc[0];
  const line = parseLineNumber('line', loc[1]);
  const column = loc.length === 3 ? parseLineNumber('column', loc[2]) : 0;
  const path = bin ? resolveUserTarget(pname, bin) : implicitBinary();
  if (!path) throw new UserError('Unspecified target binary, cannot attach by source code location.', [SOURCE_FORMAT_HINT]);
  const found = dwarfLineAddress(path, file, line, column);
  if (found.kind === 'nodebug') {
    throw new UserError(`No DWARF debug info found for '${bin || path}', cannot attach by source code location.`, [
      'build the binary with -g, or give the directory of its separate debug file with --debuginfo',
    ]);
  }
  if (found.kind === 'error') throw new UserError(found.message, found.hints);
  let obj: ElfObject;
  try {
    obj = ElfObject.get(path);
  } catch (e) {
    throw new UserError(`${pname}: cannot read ${path}: ${(e as Error).message}`);
  }
  // bpftrace names it as an address probe: the address in decimal.
  return [addressTarget(provider, span, obj, found.address, false, `${pname}:${path}:${found.address}`, `${file}:${line}`, false)];
}

function expandUprobe(provider: Provider, retprobe: boolean, raw: string, parts: string[], span: Span): ProbeTarget[] {
  const pname = provider.name;
  // `@` after the binary starts a source location (`name@VERSION` is in the function part).
  const implicit = userProbeEnv.pid !== null || userProbeEnv.cpid !== null;
  if ((parts[0] ?? '').includes('@') && (parts.length >= 2 || !implicit)) return expandSourceLine(provider, retprobe, parts, span);
  let bin: string | null;
  let func: string;
  let cpp = false;
  if (parts.length === 1 && (userProbeEnv.pid !== null || userProbeEnv.cpid !== null)) {
    bin = implicitBinary();
    func = parts[0] as string;
    if (!bin) throw new UserError(`${pname}: cannot find the binary of the traced process`);
  } else if (parts.length === 2) {
    [bin, func] = parts as [string, string];
  } else if (parts.length === 3 && parts[1] === 'cpp') {
    bin = parts[0] as string;
    func = parts[2] as string;
    cpp = true;
  } else {
    throw new UserError(`${pname} probe type requires 2 arguments`, [`write ${pname}:BINARY:FUNCTION, or ${pname}:FUNCTION with -p PID`]);
  }
  if (!bin) throw new UserError(`${pname} should have a target`);
  if (!func) throw new UserError(`${pname} should be attached to a function and/or address`);
  const paths = userTargetFiles(pname, bin, userProbeEnv.pid);

  // func+OFFSET, or an address.
  let funcOffset = 0;
  const plus = func.split('+');
  if (plus.length > 2) throw new UserError('Cannot take more than one offset');
  if (plus.length === 2) {
    if (retprobe) throw new UserError('uretprobes can not be attached to a function offset');
    const off = parseInt0(plus[1] as string);
    if (off === null) throw new UserError(`Invalid offset: ${plus[1]}`);
    funcOffset = off;
    func = plus[0] as string;
  }
  const address = !cpp && plus.length === 1 ? parseInt0(func) : null;

  const out: ProbeTarget[] = [];
  const several = hasWildcard(bin);
  for (const path of paths) {
    if (address !== null && !ElfFile.isElf(path)) {
      // Only --unsafe lets a non-ELF file through: the address is its file offset (bpftrace).
      const site = { path, symbol: '', vaddr: address, fileOffset: address, retprobe, typedArgs: false };
      out.push(makeTarget(provider, span, site, `${pname}:${path}:${func}`, func));
      continue;
    }
    let obj: ElfObject;
    try {
      obj = ElfObject.get(path);
    } catch (e) {
      if (several) continue;
      throw new UserError(`${pname}: cannot read ${path}: ${(e as Error).message}`);
    }
    if (address !== null) {
      out.push(addressTarget(provider, span, obj, address, retprobe, `${pname}:${path}:${func}`, func));
      continue;
    }
    const syms = matchFunctions(obj, func, cpp);
    if (!syms.length) {
      if (hasWildcard(func) || several) continue;
      throw new NoMatchesError(pname, `${path}:${func}`, obj.hasSymtab() ? [] : [`${path} has no symbol table (stripped?)`]);
    }
    for (const { sym, display } of syms) {
      // A function of unknown size may not start with an instruction boundary bpftrace can check.
      if (sym.size === 0 && funcOffset === 0 && !userProbeEnv.unsafe && !hasWildcard(func)) {
        throw new UnlocatedError(`Could not determine boundary for ${sym.name} (symbol has size 0).${UNSAFE_HINT}`);
      }
      checkOffset(pname, obj, sym, funcOffset);
      const vaddr = sym.value + funcOffset;
      const fileOffset = obj.elf.vaddrToOffset(vaddr);
      if (fileOffset === null) throw new UserError(`Could not resolve symbol: ${path}:${display}`);
      const shown = cpp ? `cpp:${display}` : display;
      const name = `${pname}:${path}:${shown}${funcOffset ? `+${funcOffset}` : ''}`;
      out.push(makeTarget(provider, span, { path, symbol: sym.name, vaddr, fileOffset, retprobe, typedArgs: true }, name, display));
    }
  }
  if (!out.length) throw new NoMatchesError(pname, raw.slice(raw.indexOf(':') + 1));
  return out;
}

/**
 * Function symbols matching `func`: by name (with `@VERSION`), or by glob; with `cpp`, by
 * demangled name (with or without the parameter list). One symbol per distinct name.
 */
function matchFunctions(obj: ElfObject, func: string, cpp: boolean): { sym: ElfSymbol; display: string }[] {
  if (!cpp && !hasWildcard(func)) {
    const s = pickSymbol(obj.findFunctions(func));
    return s ? [{ sym: s, display: func }] : [];
  }
  const match = globToMatcher(func);
  const byName = new Map<string, ElfSymbol[]>();
  for (const s of obj.symbols()) {
    if (!isFunction(s)) continue;
    // Wildcards leave out a debug file's file-local functions: in libc they include the
    // signal-return and thread-start trampolines, which crash processes when probed.
    if (s.bind === STB_LOCAL && !obj.elf.sections.some((x) => x.type === SHT_SYMTAB)) continue;
    let key = s.name;
    if (cpp) {
      if (!isMangled(s.name)) continue;
      const d = demangle(s.name);
      if (!match(d) && !match(withoutParams(d))) continue;
      key = d;
    } else if (!match(s.name)) continue;
    const l = byName.get(key);
    if (l) l.push(s);
    else byName.set(key, [s]);
  }
  const out: { sym: ElfSymbol; display: string }[] = [];
  for (const [display, syms] of byName) {
    const s = pickSymbol(syms);
    if (s) out.push({ sym: s, display });
  }
  return out.sort((a, b) => (a.display < b.display ? -1 : a.display > b.display ? 1 : 0));
}

function context(target: ProbeTarget, retprobe: boolean): ProbeContext {
  const site = sites.get(target);
  let args: ProbeContext['args'] = null;
  if (site && !retprobe && site.symbol && site.typedArgs) {
    try {
      args = dwarfArgs(site.path, site.symbol, site.vaddr);
    } catch {
      args = null;
    }
  }
  // A uretprobe fires at the return address, in the caller: no known instruction there.
  const entry = site && !retprobe && ElfFile.isElf(site.path) ? { vaddr: site.vaddr, pie: isPositionIndependent(site.path) } : undefined;
  const userType = site ? (name: string) => dwarfTypeByName(site.path, name) : undefined;
  const ctx: ProbeContext = { args, argN: 'pt_regs', retval: retprobe, entry, userType };
  if (site && !site.typedArgs) {
    ctx.argsUnavailable = 'The args builtin cannot be used for uprobes attached by source location: args are typed at a function entry';
  }
  return ctx;
}

/** What a refused uprobe means, by errno (USDT probes are uprobes too). */
export const UPROBE_HINTS: AttachHints = {
  [ENOTSUPP]: {
    why: 'uprobes cannot handle the instruction there',
    hints: ['x86 uprobes refuse some instructions (hlt, int3, in/out...): probe another function or offset'],
  },
  [ENOENT]: { why: 'the file is gone' },
  [ESRCH]: { why: 'the process is gone' },
  [EINVAL]: { why: 'the kernel refused the uprobe', hints: ['the offset may be outside the file, or not at an instruction'] },
};

/** Programs for more than this many targets attach through one uprobe_multi link per file. */
const MULTI_MIN_TARGETS = 2;

function attachOne(prog: BpfProgram, target: ProbeTarget, env: AttachEnv): Link[] {
  const site = sites.of(target);
  const fd = openUprobe(site.path, site.fileOffset, { retprobe: site.retprobe, pid: env.pid ?? undefined }, prog.sys);
  return [attachPerfEvent(prog, fd, { target: target.name, cookie: BigInt(site.funcIndex) | probeNameCookie(target) })];
}

/** One BPF_TRACE_UPROBE_MULTI link for all of `targets` in one file. */
export function attachUprobeMulti(
  prog: BpfProgram,
  path: string,
  offsets: number[],
  cookies: bigint[],
  opts: { retprobe: boolean; pid: number | null; refCtrOffsets?: number[] },
  what: string,
): Link {
  const sys = prog.sys;
  const n = offsets.length;
  const pathBytes = Buffer.from(`${path}\0`, 'latin1');
  // The path, then (8-aligned) the offsets, cookies and semaphore offsets arrays.
  const arrOff = (pathBytes.length + 7) & ~7;
  const mem = sys.alloc(arrOff + n * 24);
  try {
    mem.bytes.set(pathBytes);
    const dv = new DataView(mem.bytes.buffer, mem.bytes.byteOffset, mem.bytes.byteLength);
    offsets.forEach((o, i) => {
      dv.setBigUint64(arrOff + i * 8, BigInt(o), true);
      dv.setBigUint64(arrOff + n * 8 + i * 8, cookies[i] ?? 0n, true);
      dv.setBigUint64(arrOff + n * 16 + i * 8, BigInt(opts.refCtrOffsets?.[i] ?? 0), true);
    });
    const at = (off: number): bigint => mem.addr + BigInt(off);
    const a = new Attr(LINK_CREATE_UPROBE_MULTI)
      .u32('prog_fd', prog.fd)
      .u32('attach_type', BPF_TRACE_UPROBE_MULTI)
      .u64('path', mem.addr)
      .u64('offsets', at(arrOff))
      .u64('cookies', at(arrOff + n * 8))
      .u64('ref_ctr_offsets', opts.refCtrOffsets ? at(arrOff + n * 16) : 0n)
      .u32('cnt', n)
      .u32('uprobe_multi_flags', opts.retprobe ? BPF_F_UPROBE_MULTI_RETURN : 0)
      .u32('pid', opts.pid ?? 0);
    const fd = checkBpf(sys.bpf(BPF_LINK_CREATE, a.bytes), BPF_LINK_CREATE, what);
    return fdLink(sys, [fd], 'uprobe_multi', what);
  } finally {
    sys.free(mem);
  }
}

/** Whether uprobe wildcards attach through uprobe_multi links here (not turned off by --no-feature or the environment). */
export function uprobeMultiAvailable(): boolean {
  return process.env.BPFTRACE_TS_NO_UPROBE_MULTI === undefined && features().has('uprobe_multi');
}

function useMulti(targets: ProbeTarget[]): boolean {
  return targets.length >= MULTI_MIN_TARGETS && uprobeMultiAvailable();
}

function attachAll(prog: BpfProgram, targets: ProbeTarget[], env: AttachEnv): Attached {
  if (!useMulti(targets)) return attachEach(targets, env, (t) => attachOne(prog, t, env));
  const byPath = new Map<string, ProbeTarget[]>();
  for (const t of targets) {
    const path = sites.of(t).path;
    const l = byPath.get(path);
    if (l) l.push(t);
    else byPath.set(path, [t]);
  }
  const links: Link[] = [];
  let count = 0;
  // The kernel refuses a whole uprobe_multi link when one function can't be probed (its first
  // instruction is one uprobes can't handle): halve the set until the culprits are alone, and
  // let missing_probes decide about those.
  const attachSet = (path: string, ts: ProbeTarget[]): void => {
    const ss = ts.map((t) => sites.of(t));
    try {
      links.push(
        attachUprobeMulti(
          prog,
          path,
          ss.map((s) => s.fileOffset),
          ss.map((s, i) => BigInt(s.funcIndex) | probeNameCookie(ts[i] as ProbeTarget)),
          { retprobe: ss[0]?.retprobe ?? false, pid: env.pid },
          `${ss[0]?.retprobe ? 'uretprobe' : 'uprobe'} ${path} (${ss.length} functions)`,
        ),
      );
      count += ts.length;
    } catch (e) {
      // Only the kernel's refusal is an attach failure; anything else is a bug.
      if (!(e instanceof SyscallError)) throw e;
      if (ts.length === 1) {
        const name = (ts[0] as ProbeTarget).name;
        missingProbe(env, name, attachError(e, name, UPROBE_HINTS));
        return;
      }
      const half = ts.length >> 1;
      attachSet(path, ts.slice(0, half));
      attachSet(path, ts.slice(half));
    }
  };
  try {
    for (const [path, ts] of byPath) attachSet(path, ts);
  } catch (e) {
    for (const l of links.reverse()) l.close();
    throw e;
  }
  return { links, count };
}

function makeProvider(type: 'uprobe' | 'uretprobe', retprobe: boolean): Provider {
  const p: Provider = {
    ...providerNames(type),
    progType: BPF_PROG_TYPE_KPROBE,
    shareable: true,
    namesByCookie: true,
    expand: (raw, parts, span) => expandUprobe(p, retprobe, raw, parts, span),
    context: (t) => context(t, retprobe),
    attachHints: UPROBE_HINTS,
    attach: attachOne,
    attachAll,
    expectedAttachType: (targets) => (useMulti(targets) ? BPF_TRACE_UPROBE_MULTI : undefined),
  };
  return p;
}

export const uprobe = makeProvider('uprobe', false);
export const uretprobe = makeProvider('uretprobe', true);
