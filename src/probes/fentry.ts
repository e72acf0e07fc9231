// fentry:[module:]func / fexit:[module:]func (old names kfunc/kretfunc, short f/fr): BPF
// trampolines on kernel functions. The program's context is the function's arguments as u64
// slots, typed from BTF (`args.file`, `args->count`), then the return value for fexit
// (`retval`). Each function needs its own program: the kernel verifies it against that
// function's BTF id.

import { BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, BPF_TRACE_FEXIT } from '../bpf/constants.ts';
import { SyscallError } from '../bpf/sys.ts';
import { type Btf, loadModuleBtf } from '../btf/btf.ts';
import type { Span } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { kernelBtf } from '../sema/btf-types.ts';
import { hasWildcard } from './info/glob.ts';
import { attachTracing } from './kernel/attach.ts';
import { requireTracing } from './kernel/availability.ts';
import { type KernelFuncSignature, kernelFuncSignature } from './kernel/btf-func.ts';
import { matchFunctions, traceableModules } from './kernel/functions.ts';
import { type ProbeContext, type ProbeTarget, type Provider, TargetSites } from './provider.ts';

interface FuncSite {
  module: string;
  func: string;
  sig: KernelFuncSignature;
}

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

function resolve(vmlinux: Btf, module: string, func: string, raw: string): KernelFuncSignature {
  const btf = moduleBtf(vmlinux, module, raw);
  const sig = kernelFuncSignature(btf, func);
  if (!sig) throw new UserError(`${raw}: no kernel function ${func} in BTF`, [`list them with: bpftrace-ts -l 'fentry:${func}*'`]);
  if (sig.unsupported) throw new UserError(`${raw}: BPF trampolines can not attach to ${func}: ${sig.unsupported}`);
  return sig;
}

function expandFentry(p: Provider, exit: boolean, raw: string, parts: string[], span: Span): ProbeTarget[] {
  const word = raw.slice(0, raw.indexOf(':'));
  if (parts.length !== 1 && parts.length !== 2) throw new UserError(`${p.name} probe type requires 1 or 2 arguments`);
  const [modPart, func] = parts.length === 2 ? (parts as [string, string]) : [null, parts[0] as string];
  if (!func) throw new UserError(`${p.name} probe type requires a function name`);
  if (modPart === 'bpf') throw new UserError(`${raw}: attaching to BPF programs (fentry:bpf:...) is not supported yet`);
  requireTracing('fentry');
  const btf = requireBtf();
  const make = (module: string, name: string, sig: KernelFuncSignature): ProbeTarget => {
    const t: ProbeTarget = { provider: p, name: probeName(word, exit, module, name), parts: [module, name], span };
    sites.set(t, { module, func: name, sig });
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
    if (!out.length) throw new UserError(`No ${p.name} probes match ${parts.join(':')}`);
    return out;
  }

  const mods = traceableModules(func);
  const module = modPart ?? mods[0] ?? 'vmlinux';
  const sig = resolve(btf, module, func, raw);
  if (!mods.includes(module)) {
    throw new UserError(`${raw}: ${func} can not be traced (not in available_filter_functions: inlined, or marked notrace)`);
  }
  return [make(module, func, sig)];
}

/** The kernel function an fentry/fexit target attaches to, or null for other targets. */
export function fentryFunction(target: ProbeTarget): { module: string; func: string; btfId: number } | null {
  if (target.provider !== fentry && target.provider !== fexit) return null;
  const { module, func, sig } = sites.of(target);
  return { module, func, btfId: sig.btfId };
}

function context(target: ProbeTarget, exit: boolean): ProbeContext {
  const { sig } = sites.of(target);
  const c: ProbeContext = { args: sig.args, argN: 'u64array', retval: exit };
  if (exit) {
    c.retvalOffset = sig.slots * 8;
    if (sig.returnType) c.retvalType = sig.returnType;
  }
  return c;
}

function makeProvider(name: 'fentry' | 'fexit', aliases: string[], exit: boolean): Provider {
  const p: Provider = {
    name,
    aliases,
    progType: BPF_PROG_TYPE_TRACING,
    // The BTF id the kernel verifies a program against is per function.
    shareable: false,
    expand: (raw, parts, span) => expandFentry(p, exit, raw, parts, span),
    context: (t) => context(t, exit),
    expectedAttachType: () => (exit ? BPF_TRACE_FEXIT : BPF_TRACE_FENTRY),
    programSpec(targets, spec) {
      const t = targets[0];
      if (!t) return spec;
      const { sig, module } = sites.of(t);
      return { ...spec, attachBtfId: sig.btfId, ...(module === 'vmlinux' ? {} : { attachBtfObject: module }) };
    },
    attach(prog, target) {
      try {
        return [attachTracing(prog, target.name)];
      } catch (e) {
        if (e instanceof SyscallError && (e.code === 'EINVAL' || e.code === 'ENOTSUPP' || e.code === 'EOPNOTSUPP')) {
          throw new UserError(`cannot attach ${target.name}: the kernel refused a BPF trampoline on it (${e.code})`, [
            'some functions cannot be traced with fentry/fexit; kprobe:/kretprobe: may work instead',
          ]);
        }
        throw e;
      }
    },
  };
  return p;
}

export const fentry = makeProvider('fentry', ['f', 'kfunc'], false);
export const fexit = makeProvider('fexit', ['fr', 'kretfunc'], true);
