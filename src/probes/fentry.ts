// fentry:[module:]func / fexit:[module:]func (old names kfunc/kretfunc, short f/fr): BPF
// trampolines on kernel functions. The program's context is the function's arguments as u64
// slots, typed from BTF (`args.file`, `args->count`), then the return value for fexit
// (`retval`). Each function needs its own program: the kernel verifies it against that
// function's BTF id.
//
// fentry:bpf[:ID]:NAME / fexit:bpf[:ID]:NAME attach to running BPF programs instead: the
// program (or sub-program) NAME in its BTF function info, of program ID or of every program
// that has one so named. No `args` there (as bpftrace); fexit's retval is typed from that BTF.

import { BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, BPF_TRACE_FEXIT } from '../bpf/constants.ts';
import { EINVAL, ENOTSUPP, EOPNOTSUPP, SyscallError } from '../bpf/sys.ts';
import { type Btf, loadModuleBtf } from '../btf/btf.ts';
import type { Span } from '../lang/ast.ts';
import { NoMatchesError, UserError } from '../lang/diagnostics.ts';
import { kernelBtf } from '../sema/btf-types.ts';
import { INT64, type IntSize, type Type, typeName, UINT64 } from '../sema/types.ts';
import { hasWildcard } from './info/glob.ts';
import { attachTracing } from './kernel/attach.ts';
import { expandOrExplain, requireTracing } from './kernel/availability.ts';
import { type BpfTargetFunc, matchBpfTargets } from './kernel/bpf-programs.ts';
import { type KernelFuncSignature, kernelFuncSignature } from './kernel/btf-func.ts';
import { matchFunctions, traceableModules } from './kernel/functions.ts';
import { providerNames } from './names.ts';
import { type AttachHints, type ProbeContext, type ProbeTarget, type Provider, TargetSites } from './provider.ts';

/** A kernel function, or a function of a running BPF program. */
type FuncSite =
  | { kind: 'kernel'; module: string; func: string; sig: KernelFuncSignature }
  | { kind: 'bpf'; progId: number; target: BpfTargetFunc & { func: NonNullable<BpfTargetFunc['func']> } };

const sites = new TargetSites<FuncSite>();

function requireBtf(): Btf {
  const btf = kernelBtf();
  if (!btf) throw new UserError('fentry/fexit probes need kernel BTF (/sys/kernel/btf/vmlinux), which this kernel does not have');
  return btf;
}

/**
 * The name `probe` prints: bpftrace 0.17 spells these `kfunc:vmlinux:vfs_read`, 0.26
 * `fentry:vmlinux:vfs_read`; the old spelling is kept for scripts that use it.
 */
function probeName(word: string, exit: boolean, module: string, func: string): string {
  const old = word === 'kfunc' || word === 'kretfunc';
  const provider = exit ? (old ? 'kretfunc' : 'fexit') : old ? 'kfunc' : 'fentry';
  return `${provider}:${module}:${func}`;
}

/** The BTF that describes `module`'s functions: vmlinux's, or the module's split BTF. */
function moduleBtf(vmlinux: Btf, module: string, raw: string): Btf {
  if (module === 'vmlinux') return vmlinux;
  try {
    return loadModuleBtf(module);
  } catch {
    throw new UserError(`${raw}: module ${module} has no BTF (not loaded, or built without it)`, [
      `loaded modules with BTF are under /sys/kernel/btf/; kprobe:${module}:FUNC does not need BTF`,
    ]);
  }
}

function expandFentry(p: Provider, exit: boolean, raw: string, parts: string[], span: Span): ProbeTarget[] {
  const word = raw.slice(0, raw.indexOf(':'));
  if (parts[0] === 'bpf') return expandBpf(p, exit, word, parts, span);
  if (parts.length === 3) throw new UserError(`Only the 'bpf' variant of ${p.name} takes 3 arguments`, [`${p.name}:bpf:ID:NAME`]);
  if (parts.length !== 1 && parts.length !== 2) throw new UserError(`${p.name} probe type requires 1 or 2 arguments`);
  const [modPart, func] = parts.length === 2 ? (parts as [string, string]) : [null, parts[0] as string];
  if (!func) throw new UserError(`${p.name} probe type requires a function name`);
  // Kernel support is checked for the probes --probe-filter keeps (requireSupport), or here
  // when resolving the function fails, as the likelier reason.
  return expandOrExplain(
    () => requireTracing('fentry'),
    () => {
      const btf = requireBtf();
      const make = (module: string, name: string, sig: KernelFuncSignature): ProbeTarget => {
        const t: ProbeTarget = { provider: p, name: probeName(word, exit, module, name), parts: [module, name], span };
        sites.set(t, { kind: 'kernel', module, func: name, sig });
        return t;
      };

      if (hasWildcard(func) || (modPart !== null && hasWildcard(modPart))) {
        const out: ProbeTarget[] = [];
        // The traceable functions the glob names, from the scan kprobes use (not the whole
        // `-l` table of every module's BTF): module BTF attach is not supported yet, so only
        // vmlinux's functions count.
        for (const f of matchFunctions(modPart ?? '*', func)) {
          if (f.module !== 'vmlinux') continue;
          // A wildcard leaves out what the kernel would refuse (bpftrace 0.17 fails on those).
          const sig = kernelFuncSignature(btf, f.name);
          if (sig && !sig.unsupported) out.push(make(f.module, f.name, sig));
        }
        if (!out.length) throw new NoMatchesError(p.name, parts.join(':'));
        return out;
      }

      const mods = traceableModules(func);
      const module = modPart ?? mods[0] ?? 'vmlinux';
      // Not in ftrace's list (inlined, notrace, no such function) or not in the BTF: 0.26's
      // "No matches", which missing_probes may turn into a warning.
      const sig = mods.includes(module) ? kernelFuncSignature(moduleBtf(btf, module, raw), func) : null;
      if (!sig) throw new NoMatchesError(p.name, parts.join(':'), [`list them with: bpftrace-ts -l '${p.name}:${func}*'`]);
      if (sig.unsupported) throw new UserError(`${raw}: BPF trampolines can not attach to ${func}: ${sig.unsupported}`);
      return [make(module, func, sig)];
    },
  );
}

/** fentry:bpf[:ID]:NAME → the running programs' functions it names. */
function expandBpf(p: Provider, exit: boolean, word: string, parts: string[], span: Span): ProbeTarget[] {
  if (parts.length === 1) {
    throw new UserError(`the 'bpf' variant of ${p.name} requires a BPF program name and optional BPF program id`, [
      `${p.name}:bpf:NAME or ${p.name}:bpf:ID:NAME; list them with: bpftrace-ts -l '${p.name}:bpf:*'`,
    ]);
  }
  const id = parts.length === 3 ? (parts[1] as string) : '*';
  const name = parts[parts.length - 1] as string;
  if (id !== '*' && !/^\d+$/.test(id)) throw new UserError(`bpf program id must be a number or '*'`);
  if (!name) throw new UserError(`${p.name}:bpf requires a BPF program name`);
  return expandOrExplain(
    () => requireTracing('fentry'),
    () => {
      const found = matchBpfTargets(id === '*' ? '*' : String(Number(id)), name);
      const wildcard = hasWildcard(name) || id === '*';
      const out: ProbeTarget[] = [];
      for (const f of found) {
        const fn = f.func;
        if (!fn) {
          // Listed (it has BTF) but without function info: nothing for a trampoline to attach to.
          if (!wildcard)
            throw new UserError(`BPF program ${f.progId} (${f.name}) has no BTF function info: ${p.name} can not attach to it`);
          continue;
        }
        const t: ProbeTarget = {
          provider: p,
          name: probeName(word, exit, 'bpf', `${f.progId}:${f.name}`),
          parts: ['bpf', String(f.progId), f.name],
          span,
        };
        sites.set(t, { kind: 'bpf', progId: f.progId, target: { ...f, func: fn } });
        out.push(t);
      }
      if (!out.length) {
        const hint = [`list them with: bpftrace-ts -l '${p.name}:bpf:*'`];
        if (!hasWildcard(name) && id !== '*') throw new UserError(`No valid BPF program found with name: ${name} and id: ${id}.`, hint);
        throw new NoMatchesError(p.name, `bpf:${id}:${name}`, hint);
      }
      return out;
    },
  );
}

/** fexit:bpf's retval: the target function's integer return type (pointers as u64). */
function bpfRetvalType(ret: { size: number; signed: boolean } | null): Type {
  if (!ret) return INT64;
  if (ret.size !== 1 && ret.size !== 2 && ret.size !== 4 && ret.size !== 8) return UINT64;
  return { kind: 'int', size: ret.size as IntSize, signed: ret.signed };
}

/** The kernel function an fentry/fexit target attaches to, or null for other targets (fentry:bpf too). */
export function fentryFunction(target: ProbeTarget): { module: string; func: string; btfId: number } | null {
  if (target.provider !== fentry && target.provider !== fexit) return null;
  const site = sites.of(target);
  if (site.kind !== 'kernel') return null;
  return { module: site.module, func: site.func, btfId: site.sig.btfId };
}

function context(target: ProbeTarget, exit: boolean): ProbeContext {
  const site = sites.of(target);
  if (site.kind === 'bpf') {
    const c: ProbeContext = {
      args: null,
      argsUnavailable: "The args builtin cannot be used for 'fentry/fexit:bpf' probes",
      argN: null,
      retval: exit,
    };
    if (exit) {
      c.retvalOffset = site.target.func.retvalSlot * 8;
      c.retvalType = bpfRetvalType(site.target.func.ret);
    }
    return c;
  }
  const { sig } = site;
  const c: ProbeContext = {
    // Read when the script uses `args` (see kernelFuncSignature).
    get args() {
      return sig.args;
    },
    argN: 'u64array',
    retval: exit,
  };
  if (exit) {
    c.retvalOffset = sig.slots * 8;
    if (sig.returnType) c.retvalType = sig.returnType;
  }
  return c;
}

/**
 * Only argN's kind (which differs between kernel functions and BPF programs) and fexit's retval
 * (where it is, how wide) shape the code; `args` is left to compile.ts.
 */
function codeKey(target: ProbeTarget, exit: boolean): string {
  const c = context(target, exit);
  const ret = exit ? ` retval@${c.retvalOffset} ${c.retvalType ? typeName(c.retvalType) : '-'}` : '';
  // argN's kind, not `c.args` (reading that would type every argument).
  return `${c.argN ?? '-'}${ret}`;
}

/** A refused BPF trampoline, whatever the errno the kernel chose to say it with. */
const refused = {
  why: 'the kernel refused a BPF trampoline on it',
  hints: ['some functions cannot be traced with fentry/fexit; kprobe:/kretprobe: may work instead'],
};
const TRAMPOLINE_HINTS: AttachHints = { [EINVAL]: refused, [ENOTSUPP]: refused, [EOPNOTSUPP]: refused };

function makeProvider(type: 'fentry' | 'fexit', exit: boolean): Provider {
  const p: Provider = {
    ...providerNames(type),
    progType: BPF_PROG_TYPE_TRACING,
    // The BTF id the kernel verifies a program against is per function.
    shareable: false,
    expand: (raw, parts, span) => expandFentry(p, exit, raw, parts, span),
    requireSupport: () => requireTracing('fentry'),
    context: (t) => context(t, exit),
    codeKey: (t) => codeKey(t, exit),
    expectedAttachType: () => (exit ? BPF_TRACE_FEXIT : BPF_TRACE_FENTRY),
    programSpec(targets, spec) {
      const t = targets[0];
      if (!t) return spec;
      const site = sites.of(t);
      if (site.kind === 'bpf') return { ...spec, attachBtfId: site.target.func.btfId, attachProgId: site.progId };
      const { sig, module } = site;
      return { ...spec, attachBtfId: sig.btfId, ...(module === 'vmlinux' ? {} : { attachBtfObject: module }) };
    },
    attachHints: TRAMPOLINE_HINTS,
    attach(prog, target) {
      try {
        return [attachTracing(prog, target.name)];
      } catch (e) {
        // A running program as the target: the trampoline table's reasons don't apply.
        if (e instanceof SyscallError && sites.of(target).kind === 'bpf') {
          throw new UserError(`cannot attach ${target.name}: the kernel refused (${e.code})`, [
            'the program may be gone, not JIT-compiled, or itself a tracing program (those can not be traced this way)',
          ]);
        }
        throw e;
      }
    },
  };
  return p;
}

export const fentry = makeProvider('fentry', false);
export const fexit = makeProvider('fexit', true);
