// watchpoint:ADDR:LEN:MODE (and asyncwatchpoint) — hardware breakpoints through the
// breakpoint PMU: the program runs when the address is read (r), written (w) or executed (x).
// With -p/-c the address is in that process; without, it is a kernel address on every CPU.

import { BPF_PROG_TYPE_PERF_EVENT, HW_BREAKPOINT_R, HW_BREAKPOINT_W, HW_BREAKPOINT_X } from '../bpf/constants.ts';
import { attachPerfEvent, type Link } from '../bpf/link.ts';
import { possibleCpus } from '../bpf/map.ts';
import { openBreakpoint } from '../bpf/perf-event.ts';
import { UserError } from '../lang/diagnostics.ts';
import type { ProbeTarget, Provider } from './provider.ts';
import { userProbeEnv } from './user-env.ts';

function parse(raw: string, parts: string[]): { addr: bigint; len: number; type: number } {
  if (parts.length !== 3)
    throw new UserError(`Invalid watchpoint: ${raw}`, ['write watchpoint:ADDRESS:LENGTH:MODE, e.g. watchpoint:0x10000000:8:rw']);
  const [a, l, m] = parts as [string, string, string];
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(a)) {
    throw new UserError(`Invalid watchpoint address: ${a}`, [
      'only absolute addresses are supported (the func+argN form is not implemented yet)',
    ]);
  }
  const len = Number(l);
  if (![1, 2, 4, 8].includes(len)) throw new UserError(`Invalid watchpoint length: ${l}`, ['the length must be 1, 2, 4 or 8']);
  if (!/^[rwx]+$/.test(m) || new Set(m).size !== m.length)
    throw new UserError(`Invalid watchpoint mode: ${m}`, ['the mode is a combination of r, w and x']);
  if (m.includes('x') && m.length > 1) throw new UserError(`Invalid watchpoint mode: ${m}`, ['x cannot be combined with r or w']);
  let type = 0;
  if (m.includes('r')) type |= HW_BREAKPOINT_R;
  if (m.includes('w')) type |= HW_BREAKPOINT_W;
  if (m.includes('x')) type = HW_BREAKPOINT_X;
  return { addr: BigInt(a), len, type };
}

function watchpoint(name: 'watchpoint' | 'asyncwatchpoint', aliases: string[]): Provider {
  const provider: Provider = {
    name,
    aliases,
    progType: BPF_PROG_TYPE_PERF_EVENT,
    shareable: true,
    expand(raw, parts, span): ProbeTarget[] {
      parse(raw, parts);
      return [{ provider, name: `${name}:${parts.join(':')}`, parts, span }];
    },
    context: () => ({ args: null, argN: null, retval: false }),
    attach(prog, target, env) {
      const { addr, len, type } = parse(target.name, target.parts);
      const pid = env.pid ?? userProbeEnv.cpid;
      if (pid !== null) return [attachPerfEvent(prog, openBreakpoint(addr, len, type, pid, -1), { target: target.name })];
      const links: Link[] = [];
      for (const cpu of possibleCpus())
        links.push(attachPerfEvent(prog, openBreakpoint(addr, len, type, -1, cpu), { target: `${target.name} cpu ${cpu}` }));
      return links;
    },
  };
  return provider;
}

export const watchpointProvider = watchpoint('watchpoint', ['w']);
export const asyncwatchpoint = watchpoint('asyncwatchpoint', ['aw']);
