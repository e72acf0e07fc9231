// Helpers the code generator calls, by name. The numbers come from the one table of the
// kernel's enum bpf_func_id in src/bpf/helpers.ts.

import { helperId } from '../bpf/helpers.ts';

const NAMES = [
  'map_lookup_elem',
  'map_update_elem',
  'map_delete_elem',
  'probe_read',
  'ktime_get_ns',
  'get_prandom_u32',
  'get_smp_processor_id',
  'get_current_pid_tgid',
  'get_current_uid_gid',
  'get_current_comm',
  'get_stackid',
  'get_current_task',
  'get_numa_node_id',
  'probe_read_str',
  'get_current_cgroup_id',
  'send_signal',
  'probe_read_user',
  'probe_read_kernel',
  'probe_read_user_str',
  'probe_read_kernel_str',
  'send_signal_thread',
  'jiffies64',
  'ktime_get_boot_ns',
  'ringbuf_output',
  'get_current_task_btf',
  'ktime_get_coarse_ns',
  'for_each_map_elem',
  'get_func_ip',
  'get_attach_cookie',
  'loop',
  'ktime_get_tai_ns',
  'trace_printk',
  'per_cpu_ptr',
  'this_cpu_ptr',
  'override_return',
] as const;

export type HelperName = (typeof NAMES)[number];

export const HELPER: Readonly<Record<HelperName, number>> = Object.fromEntries(
  NAMES.map((n) => {
    const id = helperId(n);
    if (id === undefined) throw new Error(`unknown BPF helper ${n}`);
    return [n, id];
  }),
) as Record<HelperName, number>;
