// software:event[:count] — the kernel's software perf events on every CPU.

import { BPF_PROG_TYPE_PERF_EVENT } from '../bpf/constants.ts';
import { attachPerfEvent, type Link } from '../bpf/link.ts';
import { possibleCpus } from '../bpf/map.ts';
import { openSoftware } from '../bpf/perf-event.ts';
import { UserError } from '../lang/diagnostics.ts';
import { providerNames } from './names.ts';
import type { Provider } from './provider.ts';

/** Names and aliases bpftrace accepts, with PERF_COUNT_SW_* configs and default periods. */
export const SOFTWARE_EVENTS: readonly { name: string; alias: string; config: number; period: number }[] = [
  { name: 'cpu-clock', alias: 'cpu', config: 0, period: 1000000 },
  { name: 'task-clock', alias: '', config: 1, period: 1000000 },
  { name: 'page-faults', alias: 'faults', config: 2, period: 100 },
  { name: 'context-switches', alias: 'cs', config: 3, period: 1000 },
  { name: 'cpu-migrations', alias: '', config: 4, period: 1 },
  { name: 'minor-faults', alias: '', config: 5, period: 100 },
  { name: 'major-faults', alias: '', config: 6, period: 1 },
  { name: 'alignment-faults', alias: '', config: 7, period: 1 },
  { name: 'emulation-faults', alias: '', config: 8, period: 1 },
  { name: 'dummy', alias: '', config: 9, period: 1 },
  { name: 'bpf-output', alias: '', config: 10, period: 1 },
];

function lookup(name: string) {
  return SOFTWARE_EVENTS.find((e) => e.name === name || (e.alias !== '' && e.alias === name));
}

/** An event count: decimal, or bpftrace's scientific form with a 1-9 coefficient (`1e6`). */
function periodCount(text: string): bigint | null {
  if (/^\d+$/.test(text)) return BigInt(text);
  const m = /^([1-9])e(\d+)$/i.exec(text);
  return m ? BigInt(m[1] as string) * 10n ** BigInt(m[2] as string) : null;
}

export const software: Provider = {
  ...providerNames('software'),
  progType: BPF_PROG_TYPE_PERF_EVENT,
  shareable: true,
  expand(raw, parts, span) {
    const ev = lookup(parts[0] ?? '');
    if (!ev)
      throw new UserError(`Invalid software event: ${parts[0] ?? ''}`, [`valid events: ${SOFTWARE_EVENTS.map((e) => e.name).join(', ')}`]);
    const count = parts[1] === undefined ? BigInt(ev.period) : periodCount(parts[1]);
    if (parts.length > 2 || count === null) throw new UserError(`Invalid software probe: ${raw}`);
    return [
      {
        provider: software,
        // `probe` names the event as written (software:cpu:100), as bpftrace does.
        name: `software:${parts[0]}:${parts[1] ?? ''}`.replace(/:$/, ''),
        parts: [ev.name, String(count)],
        span,
      },
    ];
  },
  context: () => ({ args: null, argN: null, retval: false }),
  attach(prog, target, env) {
    const ev = lookup(target.parts[0] as string);
    if (!ev) return [];
    if (env.pid !== null) {
      const fd = openSoftware(ev.config, { period: BigInt(target.parts[1] as string), pid: env.pid }, -1);
      return [attachPerfEvent(prog, fd, { target: `${target.name} pid ${env.pid}` })];
    }
    const links: Link[] = [];
    for (const cpu of possibleCpus()) {
      const fd = openSoftware(ev.config, { period: BigInt(target.parts[1] as string) }, cpu);
      links.push(attachPerfEvent(prog, fd, { target: `${target.name} cpu ${cpu}` }));
    }
    return links;
  },
};
