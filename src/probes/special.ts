// BEGIN/END (and the new spellings begin/end): programs run once, in the kernel, through
// BPF_PROG_TEST_RUN on a raw-tracepoint program, so they share helpers, maps and the output
// path with every other probe. Nothing is attached.

import { BPF_PROG_TYPE_RAW_TRACEPOINT } from '../bpf/constants.ts';
import type { ProbeTarget, Provider } from './provider.ts';

function special(name: 'BEGIN' | 'END', aliases: string[]): Provider {
  const provider: Provider = {
    name,
    aliases,
    progType: BPF_PROG_TYPE_RAW_TRACEPOINT,
    shareable: true,
    expand(_raw, _parts, span): ProbeTarget[] {
      return [{ provider, name, parts: [], span }];
    },
    context: () => ({ args: null, argN: null, retval: false }),
    attach: () => [],
  };
  return provider;
}

export const begin = special('BEGIN', ['begin']);
export const end = special('END', ['end']);
