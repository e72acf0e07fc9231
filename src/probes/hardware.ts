// hardware:event[:count] — CPU performance counters (PERF_TYPE_HARDWARE) on every CPU, or on
// the -p process. Where the CPU exposes no PMU (VMs, this machine), opening the first event
// fails and the user is told so.

import { BPF_PROG_TYPE_PERF_EVENT } from '../bpf/constants.ts';
import { attachPerfEvent, type Link } from '../bpf/link.ts';
import { possibleCpus } from '../bpf/map.ts';
import { openHardware } from '../bpf/perf-event.ts';
import { SyscallError } from '../bpf/sys.ts';
import { UserError } from '../lang/diagnostics.ts';
import type { Provider } from './provider.ts';

/** Names (and aliases) with their PERF_COUNT_HW_* config. */
const EVENTS: Record<string, number> = {
  'cpu-cycles': 0,
  cycles: 0,
  instructions: 1,
  'cache-references': 2,
  'cache-misses': 3,
  'branch-instructions': 4,
  branches: 4,
  'branch-misses': 5,
  'bus-cycles': 6,
  'frontend-stalls': 7,
  'backend-stalls': 8,
  'ref-cycles': 9,
};
const DEFAULT_PERIOD = 1000000n;

export const hardware: Provider = {
  name: 'hardware',
  aliases: ['h'],
  progType: BPF_PROG_TYPE_PERF_EVENT,
  shareable: true,
  expand(raw, parts, span) {
    const name = parts[0] ?? '';
    if (!(name in EVENTS)) throw new UserError(`Invalid hardware event: ${name}`, [`valid events: ${Object.keys(EVENTS).join(', ')}`]);
    const count = parts[1] ?? '';
    if (parts.length > 2 || (count !== '' && !/^\d+(e\d+)?$/.test(count))) throw new UserError(`Invalid hardware probe: ${raw}`);
    return [{ provider: hardware, name: `hardware:${name}:${count}`, parts: [name, count], span }];
  },
  context: () => ({ args: null, argN: null, retval: false }),
  attach(prog, target, env) {
    const config = EVENTS[target.parts[0] as string] as number;
    const c = target.parts[1] as string;
    const period = c === '' ? DEFAULT_PERIOD : BigInt(Math.round(Number(c)));
    const open = (cpu: number): number => {
      try {
        return openHardware(config, { period, pid: env.pid ?? -1 }, cpu);
      } catch (e) {
        if (e instanceof SyscallError) {
          throw new UserError(`cannot open hardware event ${target.parts[0]}: ${e.message}`, [
            'this CPU (or virtual machine) exposes no hardware performance counters (PMU); software events such as software:cpu-clock work everywhere',
          ]);
        }
        throw e;
      }
    };
    if (env.pid !== null) return [attachPerfEvent(prog, open(-1), { target: target.name })];
    const links: Link[] = [];
    for (const cpu of possibleCpus()) links.push(attachPerfEvent(prog, open(cpu), { target: `${target.name} cpu ${cpu}` }));
    return links;
  },
};
