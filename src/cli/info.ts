// --info: bpftrace 0.26's report (System, Build, Kernel helpers, Kernel features, Probe types,
// helpers and features side by side in two columns), then every feature probe we run, in detail.

import { readdirSync, readFileSync } from 'node:fs';
import { features } from '../bpf/features.ts';
import { kprobeMultiAvailable, kprobeSessionAvailable } from '../probes/kprobe.ts';

function procText(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Two "name: value" pairs a line, each padded to 35 columns, as bpftrace tabulates. */
function tabulate(rows: [string, string][]): string {
  let out = '';
  for (let i = 0; i < rows.length; i += 2) {
    const [k, v] = rows[i] as [string, string];
    const next = rows[i + 1];
    // bpftrace's setw(35) pads the second column too.
    out += `${`  ${k}: ${v}`.padEnd(35)}${next ? `${next[0]}: ${next[1]}`.padEnd(35) : ''}\n`;
  }
  return out;
}

export function infoReport(version: string): string {
  const f = features();
  const yes = (b: boolean): string => (b ? 'yes' : 'no');
  const arch = process.arch === 'x64' ? 'x86_64' : process.arch;
  const bun = (globalThis as { Bun?: { version: string } }).Bun;
  let moduleBtf = false;
  try {
    moduleBtf = readdirSync('/sys/kernel/btf').some((n) => n !== 'vmlinux');
  } catch {
    // no BTF at all
  }
  return [
    'System\n',
    `  OS: ${procText('/proc/sys/kernel/ostype')} ${procText('/proc/sys/kernel/osrelease')} ${procText('/proc/sys/kernel/version')}\n`,
    `  Arch: ${arch}\n\n`,
    'Build\n',
    `  version: ${version}\n`,
    `  runtime: ${bun ? `bun ${bun.version}` : `node ${process.version}`}\n`,
    '  DWARF support: yes (own reader)\n',
    '  systemd notify support: yes\n\n',
    'Kernel helpers\n',
    tabulate([
      ['dpath', yes(f.has('helper_d_path'))],
      ['get_tai_ns', yes(f.has('helper_ktime_get_tai_ns'))],
      ['get_func_ip', yes(f.has('helper_get_func_ip'))],
      ['lookup_percpu_elem', yes(f.has('helper_map_lookup_percpu_elem'))],
      ['loop', yes(f.has('helper_loop'))],
    ]),
    '\nKernel features\n',
    tabulate([
      ['Instruction limit', '1000000'],
      ['btf', yes(f.has('btf_vmlinux'))],
      ['module btf', yes(moduleBtf)],
    ]),
    '\nProbe types\n',
    tabulate([
      ['kprobe_multi', yes(f.has('kprobe_pmu') && kprobeMultiAvailable())],
      ['uprobe_multi', yes(f.has('uprobe_multi'))],
      ['kprobe_session', yes(f.has('kprobe_pmu') && kprobeSessionAvailable())],
      // The tracing type cannot be told apart from a missing one without a target (unknown):
      // only a refusal says no.
      ['iter', yes(f.has('btf_vmlinux') && f.result('prog_tracing').status !== 'missing')],
    ]),
    '\nDetails\n',
    `${f.report()}\n`,
  ].join('');
}
