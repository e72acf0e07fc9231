// hardware:event[:count] — CPU performance counters (PERF_TYPE_HARDWARE) on every CPU, or on
// the -p process. Where the CPU exposes no PMU (VMs, this machine), opening the first event
// fails and the user is told so.

import { BPF_PROG_TYPE_PERF_EVENT } from '../bpf/constants.ts';
import { attachPerfEvent, type Link } from '../bpf/link.ts';
import { possibleCpus } from '../bpf/map.ts';
import { openHardware } from '../bpf/perf-event.ts';
import { SyscallError } from '../bpf/sys.ts';
import { UserError } from '../lang/diagnostics.ts';
import { providerNames } from './names.ts';
import type { Provider } from './provider.ts';

/** Event names bpftrace accepts, their aliases, and their PERF_COUNT_HW_* configs. */
export const HARDWARE_EVENTS: readonly { name: string; alias: string; config: number }[] = [
  { name: 'cpu-cycles', alias: 'cycles', config: 0 },
  { name: 'instructions', alias: '', config: 1 },
  { name: 'cache-references', alias: '', config: 2 },
  { name: 'cache-misses', alias: '', config: 3 },
  { name: 'branch-instructions', alias: 'branches', config: 4 },
  { name: 'branch-misses', alias: '', config: 5 },
  { name: 'bus-cycles', alias: '', config: 6 },
  { name: 'frontend-stalls', alias: '', config: 7 },
  { name: 'backend-stalls', alias: '', config: 8 },
  { name: 'ref-cycles', alias: '', config: 9 },
];

function hwConfig(name: string): number | undefined {
  return HARDWARE_EVENTS.find((e) => e.name === name || (e.alias !== '' && e.alias === name))?.config;
}
const DEFAULT_PERIOD = 1000000n;

export const hardware: Provider = {
  ...providerNames('hardware'),
  progType: BPF_PROG_TYPE_PERF_EVENT,
  shareable: true,
  expand(raw, parts, span) {
    const name = parts[0] ?? '';
    if (hwConfig(name) === undefined) {
      throw new UserError(`Invalid hardware event: ${name}`, [`valid events: ${HARDWARE_EVENTS.map((e) => e.name).join(', ')}`]);
    }
    const count = parts[1] ?? '';
    if (parts.length > 2 || (count !== '' && !/^\d+(e\d+)?$/.test(count))) throw new UserError(`Invalid hardware probe: ${raw}`);
    return [{ provider: hardware, name: `hardware:${name}:${count}`, parts: [name, count], span }];
  },
  context: () => ({ args: null, argN: null, retval: false }),
  attach(prog, target, env) {
    const config = hwConfig(target.parts[0] as string) as number;
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
