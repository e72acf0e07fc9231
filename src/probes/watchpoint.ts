// watchpoint:ADDR:LEN:MODE — hardware breakpoints through the breakpoint PMU: the program runs
// when the address is read (r), written (w) or executed (x). With -p/-c the address is in that
// process; without, it is a kernel address on every CPU.
//
// watchpoint:FUNC+argN:LEN:MODE / asyncwatchpoint:FUNC+argN:LEN:MODE (bpftrace ≤ 0.24; 0.25
// dropped them, we keep them): a uprobe on FUNC in the -p/-c process reports the address in
// argN, and the watchpoint is set on it then (once per distinct address). The synchronous form
// stops the process at FUNC until the watchpoint is set; asyncwatchpoint lets it run on.

import { readdirSync } from 'node:fs';
import { BPF_PROG_TYPE_KPROBE, BPF_PROG_TYPE_PERF_EVENT, HW_BREAKPOINT_R, HW_BREAKPOINT_W, HW_BREAKPOINT_X } from '../bpf/constants.ts';
import { attachPerfEvent, type Link } from '../bpf/link.ts';
import { possibleCpus } from '../bpf/map.ts';
import { openBreakpoint } from '../bpf/perf-event.ts';
import type { BpfProgram } from '../bpf/program.ts';
import { PT_REGS_ARGS } from '../builtins/task.ts';
import { watchpointArmProgram } from '../codegen/watchpoint-arm.ts';
import type { Span } from '../lang/ast.ts';
import { NoMatchesError, UserError } from '../lang/diagnostics.ts';
import { providerNames } from './names.ts';
import type { ProbeTarget, Provider } from './provider.ts';
import { uprobe } from './uprobe.ts';
import { targetPid, userProbeEnv } from './user-env.ts';

type Spec =
  | { form: 'address'; addr: bigint; len: number; type: number; mode: string }
  | { form: 'function'; func: string; argN: number; len: number; type: number; mode: string };

type WatchName = 'watchpoint' | 'asyncwatchpoint';

function parse(name: WatchName, raw: string, parts: string[]): Spec {
  if (parts.length !== 3)
    throw new UserError(`Invalid watchpoint: ${raw}`, [
      `write ${name}:ADDRESS:LENGTH:MODE or ${name}:FUNCTION+argN:LENGTH:MODE, e.g. watchpoint:0x10000000:8:rw`,
    ]);
  const [a, l, m] = parts as [string, string, string];
  const len = Number(l);
  if (![1, 2, 4, 8].includes(len)) throw new UserError(`Invalid watchpoint length: ${l}`, ['the length must be 1, 2, 4 or 8']);
  if (!/^[rwx]+$/.test(m) || new Set(m).size !== m.length)
    throw new UserError(`Invalid watchpoint mode: ${m}`, ['the mode is a combination of r, w and x']);
  if (m.includes('x') && m.length > 1) throw new UserError(`Invalid watchpoint mode: ${m}`, ['x cannot be combined with r or w']);
  let type = 0;
  if (m.includes('r')) type |= HW_BREAKPOINT_R;
  if (m.includes('w')) type |= HW_BREAKPOINT_W;
  if (m.includes('x')) type = HW_BREAKPOINT_X;
  if (a.includes('+')) {
    const [func, arg, ...more] = a.split('+') as [string, string, ...string[]];
    if (!func || more.length > 0)
      throw new UserError(`Invalid function/address argument: ${a}`, ['write FUNCTION+argN, e.g. increment+arg1']);
    const n = /^arg(\d+)$/.exec(arg);
    if (!n) throw new UserError(`Invalid function/address argument: ${arg}`, ['the argument is argN, e.g. arg1']);
    const argN = Number(n[1]);
    if (argN >= PT_REGS_ARGS.length)
      throw new UserError(`x86_64 doesn't support arg${argN}`, [
        `the first ${PT_REGS_ARGS.length} arguments are in registers: arg0 to arg5`,
      ]);
    return { form: 'function', func, argN, len, type, mode: m };
  }
  if (name === 'asyncwatchpoint')
    throw new UserError('asyncwatchpoint requires a function name', ['write asyncwatchpoint:FUNCTION+argN:LENGTH:MODE']);
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(a)) {
    throw new UserError(`Invalid watchpoint address: ${a}`, ['write an address (0x10000000) or FUNCTION+argN']);
  }
  return { form: 'address', addr: BigInt(a), len, type, mode: m };
}

/** What a FUNC+argN target needs at run time. */
interface Armed {
  spec: Extract<Spec, { form: 'function' }>;
  async: boolean;
  /** The uprobe target on FUNC (resolved by the uprobe provider). */
  setup: ProbeTarget;
  /** The id in WatchpointArm records (index in resources.watchpoints). */
  id: number;
  /** Addresses already watched: a function called again with the same pointer adds nothing. */
  watched: Set<bigint>;
}

const armed = new WeakMap<ProbeTarget, Armed>();

/** A hardware watchpoint's link, with the address it watches (what unwatch() names). */
export interface WatchpointLink extends Link {
  readonly watching: bigint;
}

function isWatchpointLink(l: Link): l is WatchpointLink {
  return 'watching' in l;
}

function watchpointLink(link: Link, addr: bigint): WatchpointLink {
  return { kind: link.kind, target: link.target, close: () => link.close(), release: () => link.release(), watching: addr };
}

/**
 * unwatch(addr): detaches (and drops from `links`) every watchpoint on `addr`, as bpftrace
 * does; an address nothing watches is no error. A function watchpoint does not set it again
 * when FUNC sees the same address later (as in bpftrace, which skips its last address).
 */
export function unwatch(links: Link[], addr: bigint): void {
  for (let i = links.length - 1; i >= 0; i--) {
    const l = links[i] as Link;
    if (!isWatchpointLink(l) || l.watching !== addr) continue;
    links.splice(i, 1);
    l.close();
  }
}

/** The threads of process `pid` (just `pid` when /proc cannot say, e.g. it has exited). */
function processThreads(pid: number): number[] {
  try {
    const tids = readdirSync(`/proc/${pid}/task`)
      .map(Number)
      .filter((t) => Number.isInteger(t));
    return tids.length > 0 ? tids : [pid];
  } catch {
    return [pid];
  }
}

/** The binary bpftrace names these probes after: the -c command as written, or /proc/PID/exe. */
function watchedBinary(): string {
  if (userProbeEnv.pid !== null) return `/proc/${userProbeEnv.pid}/exe`;
  return (userProbeEnv.cpid !== null ? userProbeEnv.childBinary : null) ?? '';
}

/** The uprobe on FUNC that arms the watchpoint; attached to the traced process only. */
const armProvider: Provider = {
  name: 'watchpoint-arm',
  aliases: [],
  progType: BPF_PROG_TYPE_KPROBE,
  shareable: false,
  expand() {
    throw new Error('internal: watchpoint-arm targets are made by the watchpoint provider');
  },
  context: () => ({ args: null, argN: 'pt_regs', retval: false }),
  attach(prog, target, env) {
    const a = armedBy(target);
    // SIGSTOP must only ever reach the traced process, never another run of the same binary.
    return uprobe.attach(prog, a.setup, { ...env, pid: env.pid ?? targetPid() });
  },
};

const armTargets = new WeakMap<ProbeTarget, Armed>();

function armedBy(armTarget: ProbeTarget): Armed {
  const a = armTargets.get(armTarget);
  if (!a) throw new Error(`internal: no watchpoint behind ${armTarget.name}`);
  return a;
}

function watchpoint(name: WatchName): Provider {
  /** The uprobe that sends the address; its lookup failure is a watchpoint's, not a uprobe's. */
  const expandSetup = (func: string, span: Span): ProbeTarget[] => {
    try {
      return uprobe.expand(`uprobe:${func}`, [func], span);
    } catch (e) {
      if (e instanceof NoMatchesError)
        throw new UserError(`Could not resolve symbol: ${e.message.replace(/^No matches for \S+ /, '')}`, e.hints);
      throw e;
    }
  };
  const provider: Provider = {
    ...providerNames(name),
    progType: BPF_PROG_TYPE_PERF_EVENT,
    shareable: true,
    expand(raw, parts, span): ProbeTarget[] {
      const spec = parse(name, raw, parts);
      if (spec.form === 'address') return [{ provider, name: `${name}:${parts.join(':')}`, parts, span }];
      if (targetPid() === null)
        throw new UserError('-p PID or -c CMD required for watchpoint', ['the function is looked up in that process']);
      const [setup] = expandSetup(spec.func, span);
      if (!setup) throw new UserError(`Could not resolve symbol: ${spec.func}`);
      // Named as bpftrace names them: provider:BINARY:FUNC:N:LEN:MODE (N left out when 0).
      const fields = [watchedBinary(), spec.func, ...(spec.argN !== 0 ? [String(spec.argN)] : []), String(spec.len), spec.mode];
      const target: ProbeTarget = { provider, name: `${name}:${fields.join(':')}`, parts, span };
      armed.set(target, { spec, async: name === 'asyncwatchpoint', setup, id: -1, watched: new Set() });
      return [target];
    },
    context: () => ({ args: null, argN: null, retval: false }),
    attach(prog, target, env) {
      // FUNC+argN watchpoints are set when FUNC runs (armWatchpoint); nothing to do now.
      if (armed.has(target)) return [];
      const spec = parse(name, target.name, target.parts);
      if (spec.form !== 'address') throw new Error('internal: unarmed function watchpoint');
      const { addr, len, type } = spec;
      const pid = env.pid ?? userProbeEnv.cpid;
      if (pid !== null) {
        // A breakpoint follows one thread (and those it creates later): each thread the
        // process has now gets its own, as in bpftrace.
        const links: Link[] = [];
        for (const tid of processThreads(pid))
          links.push(watchpointLink(attachPerfEvent(prog, openBreakpoint(addr, len, type, tid, -1), { target: target.name }), addr));
        return links;
      }
      const links: Link[] = [];
      for (const cpu of possibleCpus()) {
        const link = attachPerfEvent(prog, openBreakpoint(addr, len, type, -1, cpu), { target: `${target.name} cpu ${cpu}` });
        links.push(watchpointLink(link, addr));
      }
      return links;
    },
    companions(target, resources, license) {
      const a = armed.get(target);
      if (!a) return [];
      a.id = resources.watchpoints.length;
      resources.watchpoints.push(target);
      const armTarget: ProbeTarget = {
        provider: armProvider,
        name: `${a.setup.name} (arms ${target.name})`,
        parts: [],
        span: target.span,
        weight: 0,
      };
      armTargets.set(armTarget, a);
      return [
        {
          spec: { name: `wp_arm_${a.id}`, type: BPF_PROG_TYPE_KPROBE, insns: watchpointArmProgram(a.id, a.spec.argN, a.async), license },
          target: armTarget,
        },
      ];
    },
  };
  return provider;
}

/**
 * A WatchpointArm record arrived: sets the watchpoint of `target` on `addr` in the traced
 * process (unless that address is already watched), then lets a stopped process go on.
 * Returns the new link, or null when there was nothing to do (or `prog` is null: the run is
 * ending, and the process only needs to be let go).
 */
export function armWatchpoint(prog: BpfProgram | null, target: ProbeTarget, addr: bigint, pid: number): Link | null {
  const a = armed.get(target);
  if (!a) throw new Error(`internal: ${target.name} is not a function watchpoint`);
  try {
    if (!prog || a.watched.has(addr)) return null;
    a.watched.add(addr);
    const fd = openBreakpoint(addr, a.spec.len, a.spec.type, pid, -1, prog.sys);
    return watchpointLink(attachPerfEvent(prog, fd, { target: `${target.name} at 0x${addr.toString(16)}` }), addr);
  } finally {
    if (!a.async) resume(pid);
  }
}

/**
 * End of the run, probes detached: lets the process go if a synchronous function watchpoint
 * may have stopped it (an arming record lost with a full ring would leave it stopped).
 */
export function releaseWatchedProcess(targets: readonly ProbeTarget[], pid: number): void {
  if (targets.some((t) => armed.get(t)?.async === false)) resume(pid);
}

function resume(pid: number): void {
  try {
    process.kill(pid, 'SIGCONT');
  } catch {
    // The process is gone: nothing left to resume.
  }
}

export const watchpointProvider = watchpoint('watchpoint');
export const asyncwatchpoint = watchpoint('asyncwatchpoint');
