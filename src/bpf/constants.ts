// Kernel ABI numbers from include/uapi/linux/bpf.h and perf_event.h (Linux 6.x). The enum tables
// were transcribed from the header in order; the name arrays give messages and --info readable
// names.

// ---------------------------------------------------------------- bpf(2) commands

export const BPF_MAP_CREATE = 0;
export const BPF_MAP_LOOKUP_ELEM = 1;
export const BPF_MAP_UPDATE_ELEM = 2;
export const BPF_MAP_DELETE_ELEM = 3;
export const BPF_MAP_GET_NEXT_KEY = 4;
export const BPF_PROG_LOAD = 5;
export const BPF_OBJ_PIN = 6;
export const BPF_OBJ_GET = 7;
export const BPF_PROG_ATTACH = 8;
export const BPF_PROG_DETACH = 9;
export const BPF_PROG_TEST_RUN = 10;
export const BPF_PROG_GET_NEXT_ID = 11;
export const BPF_MAP_GET_NEXT_ID = 12;
export const BPF_PROG_GET_FD_BY_ID = 13;
export const BPF_MAP_GET_FD_BY_ID = 14;
export const BPF_OBJ_GET_INFO_BY_FD = 15;
export const BPF_PROG_QUERY = 16;
export const BPF_RAW_TRACEPOINT_OPEN = 17;
export const BPF_BTF_LOAD = 18;
export const BPF_BTF_GET_FD_BY_ID = 19;
export const BPF_TASK_FD_QUERY = 20;
export const BPF_MAP_LOOKUP_AND_DELETE_ELEM = 21;
export const BPF_MAP_FREEZE = 22;
export const BPF_BTF_GET_NEXT_ID = 23;
export const BPF_MAP_LOOKUP_BATCH = 24;
export const BPF_MAP_LOOKUP_AND_DELETE_BATCH = 25;
export const BPF_MAP_UPDATE_BATCH = 26;
export const BPF_MAP_DELETE_BATCH = 27;
export const BPF_LINK_CREATE = 28;
export const BPF_LINK_UPDATE = 29;
export const BPF_LINK_GET_FD_BY_ID = 30;
export const BPF_LINK_GET_NEXT_ID = 31;
export const BPF_ENABLE_STATS = 32;
export const BPF_ITER_CREATE = 33;
export const BPF_LINK_DETACH = 34;
export const BPF_PROG_BIND_MAP = 35;
export const BPF_TOKEN_CREATE = 36;
export const BPF_PROG_STREAM_READ_BY_FD = 37;
export const BPF_PROG_ASSOC_STRUCT_OPS = 38;

const CMD_NAMES: readonly string[] = [
  'BPF_MAP_CREATE',
  'BPF_MAP_LOOKUP_ELEM',
  'BPF_MAP_UPDATE_ELEM',
  'BPF_MAP_DELETE_ELEM',
  'BPF_MAP_GET_NEXT_KEY',
  'BPF_PROG_LOAD',
  'BPF_OBJ_PIN',
  'BPF_OBJ_GET',
  'BPF_PROG_ATTACH',
  'BPF_PROG_DETACH',
  'BPF_PROG_TEST_RUN',
  'BPF_PROG_GET_NEXT_ID',
  'BPF_MAP_GET_NEXT_ID',
  'BPF_PROG_GET_FD_BY_ID',
  'BPF_MAP_GET_FD_BY_ID',
  'BPF_OBJ_GET_INFO_BY_FD',
  'BPF_PROG_QUERY',
  'BPF_RAW_TRACEPOINT_OPEN',
  'BPF_BTF_LOAD',
  'BPF_BTF_GET_FD_BY_ID',
  'BPF_TASK_FD_QUERY',
  'BPF_MAP_LOOKUP_AND_DELETE_ELEM',
  'BPF_MAP_FREEZE',
  'BPF_BTF_GET_NEXT_ID',
  'BPF_MAP_LOOKUP_BATCH',
  'BPF_MAP_LOOKUP_AND_DELETE_BATCH',
  'BPF_MAP_UPDATE_BATCH',
  'BPF_MAP_DELETE_BATCH',
  'BPF_LINK_CREATE',
  'BPF_LINK_UPDATE',
  'BPF_LINK_GET_FD_BY_ID',
  'BPF_LINK_GET_NEXT_ID',
  'BPF_ENABLE_STATS',
  'BPF_ITER_CREATE',
  'BPF_LINK_DETACH',
  'BPF_PROG_BIND_MAP',
  'BPF_TOKEN_CREATE',
  'BPF_PROG_STREAM_READ_BY_FD',
  'BPF_PROG_ASSOC_STRUCT_OPS',
];

/** BPF_MAP_CREATE etc., for error messages. */
export function bpfCmdName(cmd: number): string {
  return CMD_NAMES[cmd] ?? `BPF_CMD_${cmd}`;
}

// ---------------------------------------------------------------- map types

export const BPF_MAP_TYPE_UNSPEC = 0;
export const BPF_MAP_TYPE_HASH = 1;
export const BPF_MAP_TYPE_ARRAY = 2;
export const BPF_MAP_TYPE_PROG_ARRAY = 3;
export const BPF_MAP_TYPE_PERF_EVENT_ARRAY = 4;
export const BPF_MAP_TYPE_PERCPU_HASH = 5;
export const BPF_MAP_TYPE_PERCPU_ARRAY = 6;
export const BPF_MAP_TYPE_STACK_TRACE = 7;
export const BPF_MAP_TYPE_CGROUP_ARRAY = 8;
export const BPF_MAP_TYPE_LRU_HASH = 9;
export const BPF_MAP_TYPE_LRU_PERCPU_HASH = 10;
export const BPF_MAP_TYPE_LPM_TRIE = 11;
export const BPF_MAP_TYPE_ARRAY_OF_MAPS = 12;
export const BPF_MAP_TYPE_HASH_OF_MAPS = 13;
export const BPF_MAP_TYPE_DEVMAP = 14;
export const BPF_MAP_TYPE_SOCKMAP = 15;
export const BPF_MAP_TYPE_CPUMAP = 16;
export const BPF_MAP_TYPE_XSKMAP = 17;
export const BPF_MAP_TYPE_SOCKHASH = 18;
export const BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED = 19;
export const BPF_MAP_TYPE_REUSEPORT_SOCKARRAY = 20;
export const BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE_DEPRECATED = 21;
export const BPF_MAP_TYPE_QUEUE = 22;
export const BPF_MAP_TYPE_STACK = 23;
export const BPF_MAP_TYPE_SK_STORAGE = 24;
export const BPF_MAP_TYPE_DEVMAP_HASH = 25;
export const BPF_MAP_TYPE_STRUCT_OPS = 26;
export const BPF_MAP_TYPE_RINGBUF = 27;
export const BPF_MAP_TYPE_INODE_STORAGE = 28;
export const BPF_MAP_TYPE_TASK_STORAGE = 29;
export const BPF_MAP_TYPE_BLOOM_FILTER = 30;
export const BPF_MAP_TYPE_USER_RINGBUF = 31;
export const BPF_MAP_TYPE_CGRP_STORAGE = 32;
export const BPF_MAP_TYPE_ARENA = 33;
export const BPF_MAP_TYPE_INSN_ARRAY = 34;
export const BPF_MAP_TYPE_RHASH = 35;

const MAP_TYPE_NAMES: readonly string[] = [
  'unspec',
  'hash',
  'array',
  'prog_array',
  'perf_event_array',
  'percpu_hash',
  'percpu_array',
  'stack_trace',
  'cgroup_array',
  'lru_hash',
  'lru_percpu_hash',
  'lpm_trie',
  'array_of_maps',
  'hash_of_maps',
  'devmap',
  'sockmap',
  'cpumap',
  'xskmap',
  'sockhash',
  'cgroup_storage_deprecated',
  'reuseport_sockarray',
  'percpu_cgroup_storage_deprecated',
  'queue',
  'stack',
  'sk_storage',
  'devmap_hash',
  'struct_ops',
  'ringbuf',
  'inode_storage',
  'task_storage',
  'bloom_filter',
  'user_ringbuf',
  'cgrp_storage',
  'arena',
  'insn_array',
  'rhash',
];

/** 'hash', 'percpu_array', ... */
export function mapTypeName(type: number): string {
  return MAP_TYPE_NAMES[type] ?? `map_type_${type}`;
}

// ---------------------------------------------------------------- program types

export const BPF_PROG_TYPE_UNSPEC = 0;
export const BPF_PROG_TYPE_SOCKET_FILTER = 1;
export const BPF_PROG_TYPE_KPROBE = 2;
export const BPF_PROG_TYPE_SCHED_CLS = 3;
export const BPF_PROG_TYPE_SCHED_ACT = 4;
export const BPF_PROG_TYPE_TRACEPOINT = 5;
export const BPF_PROG_TYPE_XDP = 6;
export const BPF_PROG_TYPE_PERF_EVENT = 7;
export const BPF_PROG_TYPE_CGROUP_SKB = 8;
export const BPF_PROG_TYPE_CGROUP_SOCK = 9;
export const BPF_PROG_TYPE_LWT_IN = 10;
export const BPF_PROG_TYPE_LWT_OUT = 11;
export const BPF_PROG_TYPE_LWT_XMIT = 12;
export const BPF_PROG_TYPE_SOCK_OPS = 13;
export const BPF_PROG_TYPE_SK_SKB = 14;
export const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
export const BPF_PROG_TYPE_SK_MSG = 16;
export const BPF_PROG_TYPE_RAW_TRACEPOINT = 17;
export const BPF_PROG_TYPE_CGROUP_SOCK_ADDR = 18;
export const BPF_PROG_TYPE_LWT_SEG6LOCAL = 19;
export const BPF_PROG_TYPE_LIRC_MODE2 = 20;
export const BPF_PROG_TYPE_SK_REUSEPORT = 21;
export const BPF_PROG_TYPE_FLOW_DISSECTOR = 22;
export const BPF_PROG_TYPE_CGROUP_SYSCTL = 23;
export const BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE = 24;
export const BPF_PROG_TYPE_CGROUP_SOCKOPT = 25;
export const BPF_PROG_TYPE_TRACING = 26;
export const BPF_PROG_TYPE_STRUCT_OPS = 27;
export const BPF_PROG_TYPE_EXT = 28;
export const BPF_PROG_TYPE_LSM = 29;
export const BPF_PROG_TYPE_SK_LOOKUP = 30;
export const BPF_PROG_TYPE_SYSCALL = 31;
export const BPF_PROG_TYPE_NETFILTER = 32;

const PROG_TYPE_NAMES: readonly string[] = [
  'unspec',
  'socket_filter',
  'kprobe',
  'sched_cls',
  'sched_act',
  'tracepoint',
  'xdp',
  'perf_event',
  'cgroup_skb',
  'cgroup_sock',
  'lwt_in',
  'lwt_out',
  'lwt_xmit',
  'sock_ops',
  'sk_skb',
  'cgroup_device',
  'sk_msg',
  'raw_tracepoint',
  'cgroup_sock_addr',
  'lwt_seg6local',
  'lirc_mode2',
  'sk_reuseport',
  'flow_dissector',
  'cgroup_sysctl',
  'raw_tracepoint_writable',
  'cgroup_sockopt',
  'tracing',
  'struct_ops',
  'ext',
  'lsm',
  'sk_lookup',
  'syscall',
  'netfilter',
];

/** 'raw_tracepoint', 'kprobe', ... */
export function progTypeName(type: number): string {
  return PROG_TYPE_NAMES[type] ?? `prog_type_${type}`;
}

// ---------------------------------------------------------------- attach types

export const BPF_CGROUP_INET_INGRESS = 0;
export const BPF_CGROUP_INET_EGRESS = 1;
export const BPF_CGROUP_INET_SOCK_CREATE = 2;
export const BPF_CGROUP_SOCK_OPS = 3;
export const BPF_SK_SKB_STREAM_PARSER = 4;
export const BPF_SK_SKB_STREAM_VERDICT = 5;
export const BPF_CGROUP_DEVICE = 6;
export const BPF_SK_MSG_VERDICT = 7;
export const BPF_CGROUP_INET4_BIND = 8;
export const BPF_CGROUP_INET6_BIND = 9;
export const BPF_CGROUP_INET4_CONNECT = 10;
export const BPF_CGROUP_INET6_CONNECT = 11;
export const BPF_CGROUP_INET4_POST_BIND = 12;
export const BPF_CGROUP_INET6_POST_BIND = 13;
export const BPF_CGROUP_UDP4_SENDMSG = 14;
export const BPF_CGROUP_UDP6_SENDMSG = 15;
export const BPF_LIRC_MODE2 = 16;
export const BPF_FLOW_DISSECTOR = 17;
export const BPF_CGROUP_SYSCTL = 18;
export const BPF_CGROUP_UDP4_RECVMSG = 19;
export const BPF_CGROUP_UDP6_RECVMSG = 20;
export const BPF_CGROUP_GETSOCKOPT = 21;
export const BPF_CGROUP_SETSOCKOPT = 22;
export const BPF_TRACE_RAW_TP = 23;
export const BPF_TRACE_FENTRY = 24;
export const BPF_TRACE_FEXIT = 25;
export const BPF_MODIFY_RETURN = 26;
export const BPF_LSM_MAC = 27;
export const BPF_TRACE_ITER = 28;
export const BPF_CGROUP_INET4_GETPEERNAME = 29;
export const BPF_CGROUP_INET6_GETPEERNAME = 30;
export const BPF_CGROUP_INET4_GETSOCKNAME = 31;
export const BPF_CGROUP_INET6_GETSOCKNAME = 32;
export const BPF_XDP_DEVMAP = 33;
export const BPF_CGROUP_INET_SOCK_RELEASE = 34;
export const BPF_XDP_CPUMAP = 35;
export const BPF_SK_LOOKUP = 36;
export const BPF_XDP = 37;
export const BPF_SK_SKB_VERDICT = 38;
export const BPF_SK_REUSEPORT_SELECT = 39;
export const BPF_SK_REUSEPORT_SELECT_OR_MIGRATE = 40;
export const BPF_PERF_EVENT = 41;
export const BPF_TRACE_KPROBE_MULTI = 42;
export const BPF_LSM_CGROUP = 43;
export const BPF_STRUCT_OPS = 44;
export const BPF_NETFILTER = 45;
export const BPF_TCX_INGRESS = 46;
export const BPF_TCX_EGRESS = 47;
export const BPF_TRACE_UPROBE_MULTI = 48;
export const BPF_CGROUP_UNIX_CONNECT = 49;
export const BPF_CGROUP_UNIX_SENDMSG = 50;
export const BPF_CGROUP_UNIX_RECVMSG = 51;
export const BPF_CGROUP_UNIX_GETPEERNAME = 52;
export const BPF_CGROUP_UNIX_GETSOCKNAME = 53;
export const BPF_NETKIT_PRIMARY = 54;
export const BPF_NETKIT_PEER = 55;
export const BPF_TRACE_KPROBE_SESSION = 56;
export const BPF_TRACE_UPROBE_SESSION = 57;
export const BPF_TRACE_FSESSION = 58;
export const BPF_TRACE_FENTRY_MULTI = 59;
export const BPF_TRACE_FEXIT_MULTI = 60;
export const BPF_TRACE_FSESSION_MULTI = 61;
// ---------------------------------------------------------------- flags and sizes

export const BPF_OBJ_NAME_LEN = 16;

/** BPF_MAP_UPDATE_ELEM flags. */
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;
export const BPF_F_LOCK = 4;

/** BPF_MAP_CREATE map_flags. */
export const BPF_F_NO_PREALLOC = 1 << 0;
export const BPF_F_NO_COMMON_LRU = 1 << 1;
export const BPF_F_NUMA_NODE = 1 << 2;
export const BPF_F_RDONLY = 1 << 3;
export const BPF_F_WRONLY = 1 << 4;
export const BPF_F_STACK_BUILD_ID = 1 << 5;
export const BPF_F_ZERO_SEED = 1 << 6;
export const BPF_F_RDONLY_PROG = 1 << 7;
export const BPF_F_WRONLY_PROG = 1 << 8;
export const BPF_F_MMAPABLE = 1 << 10;

/** BPF_PROG_LOAD prog_flags. */
export const BPF_F_STRICT_ALIGNMENT = 1 << 0;
export const BPF_F_ANY_ALIGNMENT = 1 << 1;
export const BPF_F_SLEEPABLE = 1 << 4;

/** BPF_PROG_TEST_RUN flags. */
export const BPF_F_TEST_RUN_ON_CPU = 1 << 0;

export const BPF_STATS_RUN_TIME = 0;

/** Ring buffer record header bits (struct bpf_ringbuf_hdr.len). */
export const BPF_RINGBUF_BUSY_BIT = 0x80000000;
export const BPF_RINGBUF_DISCARD_BIT = 0x40000000;
export const BPF_RINGBUF_HDR_SZ = 8;

/** bpf_ringbuf_output() flags. */
export const BPF_RB_NO_WAKEUP = 1 << 0;
export const BPF_RB_FORCE_WAKEUP = 1 << 1;

/** bpf_get_stackid() flags. */
export const BPF_F_SKIP_FIELD_MASK = 0xff;
export const BPF_F_USER_STACK = 1 << 8;
export const BPF_F_FAST_STACK_CMP = 1 << 9;
export const BPF_F_REUSE_STACKID = 1 << 10;

// ---------------------------------------------------------------- perf_event_open(2)

export const PERF_TYPE_HARDWARE = 0;
export const PERF_TYPE_SOFTWARE = 1;
export const PERF_TYPE_TRACEPOINT = 2;
export const PERF_TYPE_HW_CACHE = 3;
export const PERF_TYPE_RAW = 4;
export const PERF_TYPE_BREAKPOINT = 5;

export const PERF_COUNT_HW_CPU_CYCLES = 0;
export const PERF_COUNT_HW_INSTRUCTIONS = 1;
export const PERF_COUNT_HW_CACHE_REFERENCES = 2;
export const PERF_COUNT_HW_CACHE_MISSES = 3;
export const PERF_COUNT_HW_BRANCH_INSTRUCTIONS = 4;
export const PERF_COUNT_HW_BRANCH_MISSES = 5;
export const PERF_COUNT_HW_BUS_CYCLES = 6;
export const PERF_COUNT_HW_STALLED_CYCLES_FRONTEND = 7;
export const PERF_COUNT_HW_STALLED_CYCLES_BACKEND = 8;
export const PERF_COUNT_HW_REF_CPU_CYCLES = 9;

export const PERF_COUNT_SW_CPU_CLOCK = 0;
export const PERF_COUNT_SW_TASK_CLOCK = 1;
export const PERF_COUNT_SW_PAGE_FAULTS = 2;
export const PERF_COUNT_SW_CONTEXT_SWITCHES = 3;
export const PERF_COUNT_SW_CPU_MIGRATIONS = 4;
export const PERF_COUNT_SW_PAGE_FAULTS_MIN = 5;
export const PERF_COUNT_SW_PAGE_FAULTS_MAJ = 6;
export const PERF_COUNT_SW_ALIGNMENT_FAULTS = 7;
export const PERF_COUNT_SW_EMULATION_FAULTS = 8;
export const PERF_COUNT_SW_DUMMY = 9;
export const PERF_COUNT_SW_BPF_OUTPUT = 10;
export const PERF_COUNT_SW_CGROUP_SWITCHES = 11;

export const HW_BREAKPOINT_EMPTY = 0;
export const HW_BREAKPOINT_R = 1;
export const HW_BREAKPOINT_W = 2;
export const HW_BREAKPOINT_RW = 3;
export const HW_BREAKPOINT_X = 4;

export const PERF_FLAG_FD_NO_GROUP = 1 << 0;
export const PERF_FLAG_FD_OUTPUT = 1 << 1;
export const PERF_FLAG_PID_CGROUP = 1 << 2;
export const PERF_FLAG_FD_CLOEXEC = 1 << 3;

// ioctl numbers: _IO('$', n) = 0x2400 | n; _IOW('$', 8, __u32) adds direction (write=1) and size.
export const PERF_EVENT_IOC_ENABLE = 0x2400;
export const PERF_EVENT_IOC_DISABLE = 0x2401;
export const PERF_EVENT_IOC_RESET = 0x2403;
export const PERF_EVENT_IOC_SET_BPF = 0x40042408;

// ---------------------------------------------------------------- mmap, epoll, rlimit

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_ANONYMOUS = 0x20;

export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLLIN = 0x001;
export const EPOLLERR = 0x008;
export const EPOLLHUP = 0x010;

export const EFD_NONBLOCK = 0x800;
export const EFD_CLOEXEC = 0x80000;

export const RLIMIT_MEMLOCK = 8;
export const RLIM_INFINITY = 0xffffffffffffffffn;
