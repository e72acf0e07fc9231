// Builtins that read the current task and clock: pid, tid, uid, gid, cpu, comm, nsecs,
// elapsed, rand, jiffies, numaid, cgroup, curtask, ncpus.

import { statSync } from 'node:fs';
import type { Helper } from '../bpf/helpers.ts';
import { AluOp, alu64Imm, load, movReg, Reg } from '../bpf/insn.ts';
import { onlineCpus } from '../bpf/map.ts';
import type { Emitter, Operand } from '../codegen/emitter.ts';
import type { MemLoc } from '../codegen/frame.ts';
import type { Call } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import type { ProbeContext } from '../probes/provider.ts';
import { btfField, btfTypeByName } from '../sema/btf-types.ts';
import { intType, type Type, UINT32, UINT64 } from '../sema/types.ts';
import { COMM_OF_PID_SIZE, checkCommOfPid, emitCommOfPid } from './comm-of-pid.ts';
import { tempWith } from './gen-util.ts';
import { checkExpansion, emitExpansion, field } from './lowered.ts';
import { PT_REGS_ARGS, PT_REGS_RAX } from './pt-regs.ts';
import type { Builtin, CheckCx } from './types.ts';
import { emitUsdtArg } from './usdt-args.ts';

function scalarBuiltin(
  name: string,
  type: Type,
  gen: (em: Emitter, call: Call) => Operand,
  opts: { func?: boolean; maxArgs?: number } = {},
): Builtin {
  return {
    name,
    ident: true,
    func: opts.func ?? true,
    minArgs: 0,
    maxArgs: opts.maxArgs ?? 0,
    check: () => type,
    emit: (call, em) => gen(em, call),
  };
}

/** r0 of a helper call, post-processed by `fix` (shift/mask) into a temp. */
function helperValue(name: keyof typeof Helper, fix?: (em: Emitter, r: Reg) => void): (em: Emitter) => Operand {
  return (em) => {
    const t = em.callHelper(name, []);
    if (!t) return { kind: 'imm', value: 0n };
    if (fix) {
      const r = em.reg(t, Reg.R0);
      fix(em, r);
      em.setTemp(t, r);
    }
    return { kind: 'temp', temp: t };
  };
}

/** The pid namespace's inode number in the initial namespace (include/linux/proc_ns.h). */
const PROC_PID_INIT_INO = 0xeffffffcn;

/** Our own pid namespace (device and inode of /proc/self/ns/pid), or null for the initial one. */
function ownPidNamespace(): { dev: bigint; ino: bigint } | null {
  try {
    const st = statSync('/proc/self/ns/pid', { bigint: true });
    return st.ino === PROC_PID_INIT_INO ? null : { dev: st.dev, ino: st.ino };
  } catch {
    return null;
  }
}

/**
 * pid / tid, optionally `pid(curr_ns)` (the default: ids as seen from our own pid namespace, as
 * 0.26 does) or `pid(init)` (ids of the initial namespace).
 */
function nsIdBuiltin(name: 'pid' | 'tid'): Builtin {
  return {
    name,
    ident: true,
    func: true,
    minArgs: 0,
    maxArgs: 1,
    check(call, cx) {
      const arg = call.args[0];
      if (!arg) return UINT32;
      if (arg.kind !== 'Identifier') cx.diags.error(call.span, `${name}() only supports curr_ns and init as the argument`);
      else if (arg.name !== 'curr_ns' && arg.name !== 'init')
        cx.diags.error(arg.span, `Invalid PID namespace mode: ${arg.name} (expects: curr_ns or init)`);
      return UINT32;
    },
    emit(call, em) {
      const arg = call.args[0];
      const ns = arg?.kind === 'Identifier' && arg.name === 'init' ? null : ownPidNamespace();
      if (!ns) return helperValue('get_current_pid_tgid', name === 'pid' ? high32 : low32)(em);
      // struct bpf_pidns_info { u32 pid; u32 tgid; }: the thread id first, then the process id.
      const info = em.allocMem(8);
      em.zero(info, 8);
      em.callHelper(
        'get_ns_current_pid_tgid',
        [
          { kind: 'imm', value: ns.dev },
          { kind: 'imm', value: ns.ino },
          { kind: 'addr', loc: info },
          { kind: 'imm', value: 8n },
        ],
        true,
      );
      return { kind: 'temp', temp: tempWith(em, (r) => em.loadReg(4, r, info, name === 'pid' ? 4 : 0)) };
    },
  };
}

const high32 = (em: Emitter, r: Reg) => em.emit(alu64Imm(AluOp.RSH, r, 32));
const low32 = (em: Emitter, r: Reg) => em.emit(alu64Imm(AluOp.LSH, r, 32), alu64Imm(AluOp.RSH, r, 32));

export const pid = nsIdBuiltin('pid');
export const tid = nsIdBuiltin('tid');
export const uid = scalarBuiltin('uid', UINT32, helperValue('get_current_uid_gid', low32));
export const gid = scalarBuiltin('gid', UINT32, helperValue('get_current_uid_gid', high32));
export const cpu = scalarBuiltin('cpu', UINT32, helperValue('get_smp_processor_id'));
export const rand = scalarBuiltin('rand', UINT32, helperValue('get_prandom_u32'));
export const jiffies = scalarBuiltin('jiffies', UINT64, helperValue('jiffies64'));
export const numaid = scalarBuiltin('numaid', UINT32, helperValue('get_numa_node_id'));
export const cgroup = scalarBuiltin('cgroup', UINT64, helperValue('get_current_cgroup_id'));
export const curtask: Builtin = {
  ...scalarBuiltin('curtask', UINT64, helperValue('get_current_task')),
  // Typed as struct task_struct * when the kernel has BTF, so curtask->field works.
  check: (_call, cx) => {
    const task = cx.scriptStruct('struct task_struct') ?? btfTypeByName('struct task_struct');
    return task ? { kind: 'pointer', to: task, user: false } : UINT64;
  },
};

const CLOCKS: Record<string, keyof typeof Helper> = {
  monotonic: 'ktime_get_ns',
  boot: 'ktime_get_boot_ns',
  tai: 'ktime_get_tai_ns',
  sw_tai: 'ktime_get_tai_ns',
};

export const nsecs: Builtin = {
  name: 'nsecs',
  ident: true,
  func: true,
  minArgs: 0,
  maxArgs: 1,
  check(call, cx: CheckCx) {
    const a = call.args[0];
    if (a) {
      const name = a.kind === 'Identifier' ? a.name : null;
      if (!name || !(name in CLOCKS))
        cx.diags.error(a.span, `Invalid timestamp mode: ${name ?? '?'}`, `valid modes are ${Object.keys(CLOCKS).join(', ')}`);
    }
    return UINT64;
  },
  emit(call, em) {
    const a = call.args[0];
    const clock = a && a.kind === 'Identifier' ? (CLOCKS[a.name] ?? 'ktime_get_ns') : 'ktime_get_ns';
    return helperValue(clock)(em);
  },
};

export const ncpus: Builtin = {
  name: 'ncpus',
  ident: true,
  func: true,
  minArgs: 0,
  maxArgs: 0,
  check: () => UINT64,
  emit: () => ({ kind: 'imm', value: BigInt(onlineCpuCount()) }),
};

/** Online CPUs, counted at compile time as bpftrace does (from sysfs: "0-3,5"). */
function onlineCpuCount(): number {
  try {
    return Math.max(1, onlineCpus().length);
  } catch {
    return 1;
  }
}

export const comm: Builtin = {
  name: 'comm',
  ident: true,
  func: true,
  minArgs: 0,
  maxArgs: 1,
  check(call, cx) {
    const pid = call.args[0];
    if (!pid) return { kind: 'string', size: 16 };
    checkCommOfPid(call, pid, cx);
    return { kind: 'string', size: COMM_OF_PID_SIZE };
  },
  emit(call, em) {
    if (call.args[0]) return emitCommOfPid(call, call.args[0], em);
    const loc = em.memDest ?? em.allocMem(16);
    em.callHelper(
      'get_current_comm',
      [
        { kind: 'addr', loc },
        { kind: 'imm', value: 16n },
      ],
      true,
    );
    return { kind: 'mem', loc };
  },
};

// The pt_regs layout lives in pt-regs.ts; re-exported for the modules that take it from here.
export { PT_REGS_ARGS, PT_REGS_IP, PT_REGS_ORIG_AX, PT_REGS_RAX, PT_REGS_SP } from './pt-regs.ts';

/** arg0..argN: raw tracepoint/fentry u64 arrays, or argument registers in pt_regs (kprobe/uprobe). */
export function argN(n: number): Builtin {
  return {
    name: `arg${n}`,
    ident: true,
    func: false,
    minArgs: 0,
    maxArgs: 0,
    check(call, cx) {
      const kind = cx.probe.context.argN;
      if (!kind) {
        cx.diags.error(
          call.span,
          `The arg${n} builtin can only be used with kprobe/uprobe/rawtracepoint probes (${cx.probe.providerName} used here)`,
        );
      } else if (cx.probe.context.usdt) {
        const count = cx.probe.context.usdt.args.length;
        if (n >= count)
          cx.diags.error(
            call.span,
            `arg${n} is out of range: ${cx.probe.targets[0]?.name ?? 'this probe'} has ${count} argument${count === 1 ? '' : 's'}`,
          );
      } else if (kind === 'pt_regs' && n >= PT_REGS_ARGS.length) {
        cx.diags.error(
          call.span,
          `arg${n} is not in a register: only arg0..arg${PT_REGS_ARGS.length - 1} are (use sarg for stack arguments)`,
        );
      }
      return UINT64;
    },
    emit(_call, em) {
      if (em.context.usdt) return emitUsdtArg(em, em.context.usdt, n);
      const off = em.context.argN === 'pt_regs' ? (PT_REGS_ARGS[n] ?? 0) : n * 8;
      return { kind: 'temp', temp: tempWith(em, (r) => em.emit(load(8, r, Reg.R6, off))) };
    },
  };
}

/** retval: rax in pt_regs (kretprobe/uretprobe); fexit programs provide their own. */
export const retval: Builtin = {
  name: 'retval',
  ident: true,
  func: true,
  minArgs: 0,
  maxArgs: 0,
  check(call, cx) {
    if (!cx.probe.context.retval)
      cx.diags.error(call.span, `The retval builtin can only be used with return probes (${cx.probe.providerName} used here)`);
    return retvalType(cx.probe.context);
  },
  emit(_call, em) {
    const off = em.context.retvalOffset ?? PT_REGS_RAX;
    const t = tempWith(em, (r) => {
      em.emit(load(8, r, Reg.R6, off));
      // fexit's BTF type: a narrower integer return value leaves the register's upper bits undefined.
      const rt = retvalType(em.context);
      if (rt.kind === 'int') em.extend(r, rt.size, rt.signed);
    });
    return { kind: 'temp', temp: t };
  },
};

/** retval's type: the provider's (fexit knows it from BTF) when it is a scalar, else u64. */
function retvalType(c: ProbeContext): Type {
  const t = c.retvalType;
  return t && (t.kind === 'int' || t.kind === 'pointer') ? t : UINT64;
}

export const ctx: Builtin = {
  name: 'ctx',
  ident: true,
  func: false,
  minArgs: 0,
  maxArgs: 0,
  // Iterators type it (`struct bpf_iter__task *`), so `ctx->task->comm` reads through BTF.
  check: (_call, cx) => cx.probe.context.ctxType?.() ?? intType(8, false),
  emit(_call, em) {
    return { kind: 'temp', temp: tempWith(em, (r) => em.emit(movReg(r, Reg.R6))) };
  },
};

/** Reads curtask->real_parent->FIELD (BTF offsets) into a temp or memory. */
function parentField(em: Emitter, field: 'tgid' | 'comm', dst: MemLoc | null): Operand {
  const task = btfTypeByName('struct task_struct');
  const parentOff = task?.kind === 'struct' ? btfField(task, 'real_parent')?.offset : undefined;
  const fieldOff = task?.kind === 'struct' ? btfField(task, field)?.offset : undefined;
  if (parentOff === undefined || fieldOff === undefined)
    throw new UserError(`${field === 'tgid' ? 'ppid' : 'pcomm'} needs kernel BTF (struct task_struct)`);
  const cur = em.callHelper('get_current_task', []);
  if (!cur) return { kind: 'imm', value: 0n };
  const r = em.reg(cur, Reg.R0);
  em.emit(alu64Imm(AluOp.ADD, r, parentOff));
  em.setTemp(cur, r);
  const slot = em.allocMem(8);
  em.callHelper(
    'probe_read_kernel',
    [
      { kind: 'addr', loc: slot },
      { kind: 'imm', value: 8n },
      { kind: 'temp', temp: cur },
    ],
    true,
  );
  em.loadReg(8, Reg.R0, slot, 0);
  em.emit(alu64Imm(AluOp.ADD, Reg.R0, fieldOff));
  em.setTemp(cur, Reg.R0);
  if (field === 'comm') {
    const loc = dst ?? em.allocMem(16);
    em.callHelper(
      'probe_read_kernel',
      [
        { kind: 'addr', loc },
        { kind: 'imm', value: 16n },
        { kind: 'temp', temp: cur },
      ],
      true,
    );
    em.free(cur);
    return { kind: 'mem', loc };
  }
  em.zero(slot, 8);
  em.callHelper(
    'probe_read_kernel',
    [
      { kind: 'addr', loc: slot },
      { kind: 'imm', value: 4n },
      { kind: 'temp', temp: cur },
    ],
    true,
  );
  em.loadReg(4, Reg.R0, slot, 0);
  em.setTemp(cur, Reg.R0);
  return { kind: 'temp', temp: cur };
}

export const ppid: Builtin = {
  name: 'ppid',
  ident: true,
  func: true,
  minArgs: 0,
  maxArgs: 1,
  // ppid(task) is 0.26's stdlib macro `task.real_parent.pid`, compiled as that expression.
  check: (call, cx) => {
    const task = call.args[0];
    return task ? checkExpansion(call, field(field(task, 'real_parent', call.span, cx), 'pid', call.span, cx), cx) : UINT32;
  },
  emit: (c, em) => (c.args.length > 0 ? emitExpansion(c, em) : parentField(em, 'tgid', null)),
};

export const pcomm: Builtin = {
  name: 'pcomm',
  ident: true,
  func: true,
  minArgs: 0,
  maxArgs: 0,
  check: () => ({ kind: 'string', size: 16 }),
  emit: (_c, em) => parentField(em, 'comm', em.memDest),
};
