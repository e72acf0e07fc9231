// Finds the provider of an attach point and splits it into its colon-separated parts
// (quotes protect colons in paths and C++ names).

import { UserError } from '../lang/diagnostics.ts';
import { splitAttachParts } from './attach-parts.ts';
import { fentry, fexit } from './fentry.ts';
import { hardware } from './hardware.ts';
import { iter } from './iter.ts';
import { kprobe, kretprobe } from './kprobe.ts';
import type { Provider } from './provider.ts';
import { rawtracepoint } from './rawtracepoint.ts';
import { software } from './software.ts';
import { begin, benchProbe, end, self, testProbe } from './special.ts';
import { interval, profile } from './timers.ts';
import { tracepoint } from './tracepoint.ts';
import { uprobe, uretprobe } from './uprobe.ts';
import { usdt } from './usdt.ts';
import { asyncwatchpoint, watchpointProvider } from './watchpoint.ts';

const PROVIDERS: readonly Provider[] = [
  begin,
  end,
  self,
  testProbe,
  benchProbe,
  tracepoint,
  rawtracepoint,
  interval,
  profile,
  software,
  hardware,
  watchpointProvider,
  asyncwatchpoint,
  uprobe,
  uretprobe,
  usdt,
  kprobe,
  kretprobe,
  fentry,
  fexit,
  iter,
];

const KNOWN_ELSEWHERE: Record<string, string> = {};

/** The parts of an attach point (see splitAttachParts). */
export const splitAttachPoint = splitAttachParts;

export function findProvider(name: string): Provider | null {
  for (const p of PROVIDERS) {
    if (p.name === name || p.aliases.includes(name)) return p;
  }
  const lower = name.toLowerCase();
  for (const p of PROVIDERS) {
    if (p.name.toLowerCase() === lower || p.aliases.some((a) => a.toLowerCase() === lower && a.length > 2)) return p;
  }
  return null;
}

/** Resolves the provider of an attach point or explains why there is none. */
export function providerFor(raw: string): { provider: Provider; parts: string[] } {
  const parts = splitAttachPoint(raw);
  const head = parts[0] ?? '';
  const provider = findProvider(head);
  if (provider) return { provider, parts: parts.slice(1) };
  const other = KNOWN_ELSEWHERE[head] ?? KNOWN_ELSEWHERE[head.toLowerCase()];
  if (other) {
    throw new UserError(`${other} probes are not supported by bpftrace-ts yet`, ['use a tracepoint or rawtracepoint probe instead']);
  }
  throw new UserError(`Invalid probe type: ${head}`);
}

export function allProviders(): readonly Provider[] {
  return PROVIDERS;
}
