// BEGIN/END (and the new spellings begin/end): programs run once, in the kernel, through
// BPF_PROG_TEST_RUN on a raw-tracepoint program, so they share helpers, maps and the output
// path with every other probe. Nothing is attached.

import { BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_PROG_TYPE_XDP } from '../bpf/constants.ts';
import { UserError } from '../lang/diagnostics.ts';
import { providerNames } from './names.ts';
import type { ProbeTarget, Provider } from './provider.ts';

function special(type: 'BEGIN' | 'END'): Provider {
  const provider: Provider = {
    ...providerNames(type),
    progType: BPF_PROG_TYPE_RAW_TRACEPOINT,
    shareable: true,
    expand(_raw, _parts, span): ProbeTarget[] {
      // `probe` names them in lower case whatever the spelling, as 0.26 (0.17 said BEGIN/END).
      return [{ provider, name: provider.name.toLowerCase(), parts: [], span }];
    },
    context: () => ({ args: null, argN: null, retval: false }),
    attach: () => [],
  };
  return provider;
}

export const begin = special('BEGIN');
export const end = special('END');

/**
 * self:signal:SIGUSR1 — runs when the bpftrace-ts process itself receives the signal; like
 * BEGIN it is a raw-tracepoint program run with BPF_PROG_TEST_RUN (see runtime/tracer.ts).
 */
export const self: Provider = {
  ...providerNames('self'),
  progType: BPF_PROG_TYPE_RAW_TRACEPOINT,
  shareable: true,
  expand(raw, parts, span): ProbeTarget[] {
    if (parts.length !== 2 || parts[0] !== 'signal')
      throw new UserError(`Invalid self probe: ${raw}`, ['the self probe is written self:signal:SIGUSR1']);
    if (parts[1] !== 'SIGUSR1') throw new UserError(`Unsupported signal for a self probe: ${parts[1]}`, ['only SIGUSR1 is supported']);
    return [{ provider: self, name: `self:signal:${parts[1]}`, parts, span }];
  },
  context: () => ({ args: null, argN: null, retval: false }),
  attach: () => [],
};

/**
 * test:NAME and bench:NAME: run only with --test / --bench, as XDP programs through
 * BPF_PROG_TEST_RUN (which can repeat a program and time it), as bpftrace does.
 */
function runOnly(name: 'test' | 'bench'): Provider {
  const provider: Provider = {
    ...providerNames(name),
    progType: BPF_PROG_TYPE_XDP,
    shareable: true,
    expand(raw, parts, span): ProbeTarget[] {
      if (parts.length !== 1 || !parts[0]) throw new UserError(`Invalid ${name} probe: ${raw}`, [`write ${name}:NAME`]);
      return [{ provider, name: `${name}:${parts[0]}`, parts, span }];
    },
    context: () => ({ args: null, argN: null, retval: false }),
    attach: () => [],
  };
  return provider;
}

export const testProbe = runOnly('test');
export const benchProbe = runOnly('bench');
