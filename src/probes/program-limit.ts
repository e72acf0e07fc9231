// bpftrace 0.26's max_bpf_progs (1024 by default, BPFTRACE_MAX_BPF_PROGS): the attach points
// it expands into a program per match (wildcards of probe types without a multi-attach link,
// and every attach point of a probe that reads `probe`) count their matches over the script,
// and the one that takes the count past the limit is refused. We often share one program where
// 0.26 makes many (attach cookies), but refuse the same scripts with the same words, so a
// script runs under both or under neither.

import { hasWildcard } from './info/glob.ts';
import { kprobeMultiAvailable } from './kprobe.ts';
import { uprobeMultiAvailable } from './uprobe.ts';

/** Whether 0.26 makes one program per match of this attach point (`parts`: after the provider). */
export function programPerMatch(provider: string, parts: readonly string[], readsProbe: boolean): boolean {
  if (readsProbe) return true;
  if (!parts.some(hasWildcard)) return false;
  switch (provider) {
    case 'kprobe':
    case 'kretprobe':
      // kprobe_multi takes no module:function form.
      return parts.length > 1 || !kprobeMultiAvailable();
    case 'uprobe':
    case 'uretprobe':
      return !uprobeMultiAvailable();
    case 'tracepoint':
    case 'rawtracepoint':
    case 'fentry':
    case 'fexit':
    case 'usdt':
    case 'iter':
      return true;
    default:
      return false;
  }
}

/** 0.26's refusal when `count` programs pass `limit`, with its hint. */
export function programLimitError(count: number, limit: number): { message: string; hint: string } {
  return {
    message: `Your program is trying to generate more than ${count} BPF programs, which exceeds the current limit of ${limit}`,
    hint: 'You can increase the limit through the BPFTRACE_MAX_BPF_PROGS environment variable.',
  };
}
