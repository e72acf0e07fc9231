// interval (one CPU) and profile (every CPU): cpu-clock software events sampling at a period
// or frequency; `interval:s:1`, `interval:100ms`, `profile:hz:99`, `profile:99`.

import { BPF_PROG_TYPE_PERF_EVENT } from '../bpf/constants.ts';
import type { Link } from '../bpf/link.ts';
import { attachPerfEvent } from '../bpf/link.ts';
import { possibleCpus } from '../bpf/map.ts';
import { openSoftware } from '../bpf/perf-event.ts';
import type { Span } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { providerNames } from './names.ts';
import type { ProbeTarget, Provider } from './provider.ts';

const PERF_COUNT_SW_CPU_CLOCK = 0;
const UNIT_NS: Record<string, bigint> = { s: 1_000_000_000n, ms: 1_000_000n, us: 1_000n, ns: 1n };

/** Period in ns, or a frequency in Hz. */
type Rate = { period: bigint } | { hz: number };

function parseRate(provider: string, raw: string, parts: string[]): Rate {
  let unit: string;
  let value: string;
  if (parts.length === 2) [unit, value] = parts as [string, string];
  else if (parts.length === 1) {
    const m = /^(\d+)([a-z]*)$/.exec(parts[0] ?? '');
    if (!m) throw new UserError(`Invalid ${provider} probe: ${raw}`);
    value = m[1] as string;
    unit = m[2] || (provider === 'profile' ? 'hz' : '');
  } else throw new UserError(`Invalid ${provider} probe: ${raw}`, [`write ${provider}:s:1, ${provider}:100ms or ${provider}:hz:99`]);
  if (!/^\d+$/.test(value) || BigInt(value) === 0n) throw new UserError(`Invalid ${provider} rate: ${value}`);
  if (unit === 'hz') return { hz: Number(value) };
  const mult = UNIT_NS[unit];
  if (mult === undefined) throw new UserError(`Invalid ${provider} unit: ${unit}`, ['units are s, ms, us, ns and hz']);
  return { period: BigInt(value) * mult };
}

function timer(name: 'interval' | 'profile'): Provider {
  const provider: Provider = {
    ...providerNames(name),
    progType: BPF_PROG_TYPE_PERF_EVENT,
    shareable: true,
    expand(raw: string, parts: string[], span: Span): ProbeTarget[] {
      parseRate(name, raw, parts);
      return [{ provider, name: `${name}:${parts.join(':')}`, parts, span }];
    },
    context: () => ({ args: null, argN: null, retval: false }),
    attach(prog, target, env) {
      const rate = parseRate(name, target.name, target.parts);
      const s = 'hz' in rate ? { freq: rate.hz } : { period: rate.period };
      // profile with -p samples that process wherever it runs (one event, any CPU).
      if (name === 'profile' && env.pid !== null) {
        const fd = openSoftware(PERF_COUNT_SW_CPU_CLOCK, { ...s, pid: env.pid }, -1);
        return [attachPerfEvent(prog, fd, { target: `${target.name} pid ${env.pid}` })];
      }
      const cpus = name === 'interval' ? [0] : possibleCpus();
      const links: Link[] = [];
      for (const cpu of cpus) {
        const fd = openSoftware(PERF_COUNT_SW_CPU_CLOCK, s, cpu);
        links.push(attachPerfEvent(prog, fd, { target: `${target.name} cpu ${cpu}` }));
      }
      return links;
    },
  };
  return provider;
}

export const interval = timer('interval');
export const profile = timer('profile');
