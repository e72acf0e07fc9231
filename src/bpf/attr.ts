// Kernel struct layouts, described once as ordered field lists (as in the uapi headers) and laid
// out with C alignment rules here — so no offset is ever typed by hand — plus a reusable writer.

export type FieldType = 'u8' | 'u16' | 'u32' | 's32' | 'u64' | { bytes: number };

export interface Layout<K extends string> {
  readonly size: number;
  readonly offsets: Readonly<Record<K, number>>;
}

function sizeOf(t: FieldType): number {
  if (typeof t === 'object') return t.bytes;
  return t === 'u8' ? 1 : t === 'u16' ? 2 : t === 'u64' ? 8 : 4;
}

function alignOf(t: FieldType): number {
  return typeof t === 'object' ? 1 : sizeOf(t);
}

/**
 * Lays out a C struct from its fields in declaration order. Unions are written as the member we
 * use; padding members (`__u32 :32`) as a named pad. The size rounds up to `align` (bpf_attr and
 * most info structs are `aligned(8)`).
 */
export function struct<const T extends Record<string, FieldType>>(fields: T, align = 8): Layout<keyof T & string> {
  const offsets: Record<string, number> = {};
  let at = 0;
  for (const [name, t] of Object.entries(fields)) {
    const a = alignOf(t);
    at = Math.ceil(at / a) * a;
    offsets[name] = at;
    at += sizeOf(t);
  }
  return {
    size: Math.ceil(at / align) * align,
    offsets: offsets as Record<keyof T & string, number>,
  };
}

/**
 * A reusable buffer for one struct, written and read by field name: zero-filled memory of its
 * own, or the start of `over` (e.g. native memory whose address goes into another attr, for
 * info structs the kernel fills in).
 */
export class Attr<K extends string> {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly layout: Layout<K>;

  constructor(layout: Layout<K>, over?: Uint8Array) {
    if (over && over.length < layout.size) throw new RangeError(`Attr: ${over.length} bytes for a ${layout.size}-byte struct`);
    this.layout = layout;
    this.bytes = over ? over.subarray(0, layout.size) : new Uint8Array(layout.size);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  /** Clears every field (the kernel rejects non-zero bytes it does not understand). */
  reset(): this {
    this.bytes.fill(0);
    return this;
  }

  u8(name: K, value: number): this {
    this.view.setUint8(this.layout.offsets[name], value);
    return this;
  }

  u16(name: K, value: number): this {
    this.view.setUint16(this.layout.offsets[name], value, true);
    return this;
  }

  u32(name: K, value: number): this {
    this.view.setUint32(this.layout.offsets[name], value >>> 0, true);
    return this;
  }

  u64(name: K, value: bigint | number): this {
    this.view.setBigUint64(this.layout.offsets[name], BigInt.asUintN(64, BigInt(value)), true);
    return this;
  }

  /** A NUL-terminated string in a fixed char array (truncated to leave room for the NUL). */
  str(name: K, value: string, capacity: number): this {
    const at = this.layout.offsets[name];
    const enc = new TextEncoder().encode(value).subarray(0, capacity - 1);
    this.bytes.fill(0, at, at + capacity);
    this.bytes.set(enc, at);
    return this;
  }

  get32(name: K): number {
    return this.view.getUint32(this.layout.offsets[name], true);
  }

  get64(name: K): bigint {
    return this.view.getBigUint64(this.layout.offsets[name], true);
  }
}

// ---------------------------------------------------------------- union bpf_attr, per command

const OBJ_NAME = { bytes: 16 } as const;

export const MAP_CREATE = struct({
  map_type: 'u32',
  key_size: 'u32',
  value_size: 'u32',
  max_entries: 'u32',
  map_flags: 'u32',
  inner_map_fd: 'u32',
  numa_node: 'u32',
  map_name: OBJ_NAME,
  map_ifindex: 'u32',
  btf_fd: 'u32',
  btf_key_type_id: 'u32',
  btf_value_type_id: 'u32',
  btf_vmlinux_value_type_id: 'u32',
  map_extra: 'u64',
});

/** BPF_MAP_{LOOKUP,UPDATE,DELETE}_ELEM and BPF_MAP_GET_NEXT_KEY (value doubles as next_key). */
export const MAP_ELEM = struct({
  map_fd: 'u32',
  key: 'u64',
  value: 'u64',
  flags: 'u64',
});

export const MAP_BATCH = struct({
  in_batch: 'u64',
  out_batch: 'u64',
  keys: 'u64',
  values: 'u64',
  count: 'u32',
  map_fd: 'u32',
  elem_flags: 'u64',
  flags: 'u64',
});

export const PROG_LOAD = struct({
  prog_type: 'u32',
  insn_cnt: 'u32',
  insns: 'u64',
  license: 'u64',
  log_level: 'u32',
  log_size: 'u32',
  log_buf: 'u64',
  kern_version: 'u32',
  prog_flags: 'u32',
  prog_name: OBJ_NAME,
  prog_ifindex: 'u32',
  expected_attach_type: 'u32',
  prog_btf_fd: 'u32',
  func_info_rec_size: 'u32',
  func_info: 'u64',
  func_info_cnt: 'u32',
  line_info_rec_size: 'u32',
  line_info: 'u64',
  line_info_cnt: 'u32',
  attach_btf_id: 'u32',
  attach_prog_fd: 'u32',
  core_relo_cnt: 'u32',
  fd_array: 'u64',
  core_relos: 'u64',
  core_relo_rec_size: 'u32',
  log_true_size: 'u32',
});

export const PROG_TEST_RUN = struct({
  prog_fd: 'u32',
  retval: 'u32',
  data_size_in: 'u32',
  data_size_out: 'u32',
  data_in: 'u64',
  data_out: 'u64',
  repeat: 'u32',
  duration: 'u32',
  ctx_size_in: 'u32',
  ctx_size_out: 'u32',
  ctx_in: 'u64',
  ctx_out: 'u64',
  flags: 'u32',
  cpu: 'u32',
  batch_size: 'u32',
});

/**
 * BPF_{PROG,MAP,BTF,LINK}_GET_NEXT_ID (`id` is start_id, the answer comes in next_id) and
 * BPF_*_GET_FD_BY_ID (`id` is prog_id/map_id/btf_id/link_id). The kernel refuses bytes past
 * the last field it knows for a command (EINVAL): BPF_BTF_GET_FD_BY_ID ends at btf_id on many
 * kernels (6.1 for one), so an attr used for one command needs a reset() before the other.
 */
export const GET_ID = struct({
  id: 'u32',
  next_id: 'u32',
  open_flags: 'u32',
});

export const OBJ_GET_INFO_BY_FD = struct({
  bpf_fd: 'u32',
  info_len: 'u32',
  info: 'u64',
});

export const RAW_TRACEPOINT_OPEN = struct({
  name: 'u64',
  prog_fd: 'u32',
  pad: 'u32',
  cookie: 'u64',
});

/** BPF_LINK_CREATE, with the perf_event member of its inner union. */
export const LINK_CREATE = struct({
  prog_fd: 'u32',
  target_fd: 'u32',
  attach_type: 'u32',
  flags: 'u32',
  bpf_cookie: 'u64',
});

/** BPF_LINK_CREATE with the `uprobe_multi` member of its inner union (Linux 6.6). */
export const LINK_CREATE_UPROBE_MULTI = struct({
  prog_fd: 'u32',
  target_fd: 'u32',
  attach_type: 'u32',
  flags: 'u32',
  /** NUL-terminated path of the probed file. */
  path: 'u64',
  /** cnt u64 file offsets. */
  offsets: 'u64',
  /** cnt u64 semaphore (ref_ctr) offsets, or 0. */
  ref_ctr_offsets: 'u64',
  /** cnt u64 attach cookies, or 0. */
  cookies: 'u64',
  cnt: 'u32',
  /** BPF_F_UPROBE_MULTI_RETURN for uretprobes. */
  uprobe_multi_flags: 'u32',
  pid: 'u32',
});

/** uprobe_multi.flags: attach at function return (uretprobe). */
export const BPF_F_UPROBE_MULTI_RETURN = 1;

export const ENABLE_STATS = struct({ type: 'u32' });

export const BTF_LOAD = struct({
  btf: 'u64',
  btf_log_buf: 'u64',
  btf_size: 'u32',
  btf_log_size: 'u32',
  btf_log_level: 'u32',
  btf_log_true_size: 'u32',
  btf_flags: 'u32',
  btf_token_fd: 's32',
});

// ---------------------------------------------------------------- info structs

/** struct btf_header, at the start of a BTF blob (BPF_BTF_LOAD); section offsets follow it. */
export const BTF_HEADER = struct(
  {
    magic: 'u16',
    version: 'u8',
    flags: 'u8',
    hdr_len: 'u32',
    type_off: 'u32',
    type_len: 'u32',
    str_off: 'u32',
    str_len: 'u32',
  },
  4,
);

/** struct bpf_func_info: one per subprogram, an array PROG_LOAD's func_info points at. */
export const FUNC_INFO = struct({ insn_off: 'u32', type_id: 'u32' }, 4);

export const PROG_INFO = struct({
  type: 'u32',
  id: 'u32',
  tag: { bytes: 8 },
  jited_prog_len: 'u32',
  xlated_prog_len: 'u32',
  jited_prog_insns: 'u64',
  xlated_prog_insns: 'u64',
  load_time: 'u64',
  created_by_uid: 'u32',
  nr_map_ids: 'u32',
  map_ids: 'u64',
  name: OBJ_NAME,
  ifindex: 'u32',
  gpl_compatible: 'u32',
  netns_dev: 'u64',
  netns_ino: 'u64',
  nr_jited_ksyms: 'u32',
  nr_jited_func_lens: 'u32',
  jited_ksyms: 'u64',
  jited_func_lens: 'u64',
  btf_id: 'u32',
  func_info_rec_size: 'u32',
  func_info: 'u64',
  nr_func_info: 'u32',
  nr_line_info: 'u32',
  line_info: 'u64',
  jited_line_info: 'u64',
  nr_jited_line_info: 'u32',
  line_info_rec_size: 'u32',
  jited_line_info_rec_size: 'u32',
  nr_prog_tags: 'u32',
  prog_tags: 'u64',
  run_time_ns: 'u64',
  run_cnt: 'u64',
  recursion_misses: 'u64',
  verified_insns: 'u32',
  attach_btf_obj_id: 'u32',
  attach_btf_id: 'u32',
  pad: 'u32',
});

/** struct bpf_btf_info (name, name_len and kernel_btf: Linux 5.11). */
export const BTF_INFO = struct({
  btf: 'u64',
  btf_size: 'u32',
  id: 'u32',
  name: 'u64',
  name_len: 'u32',
  kernel_btf: 'u32',
});

export const MAP_INFO = struct({
  type: 'u32',
  id: 'u32',
  key_size: 'u32',
  value_size: 'u32',
  max_entries: 'u32',
  map_flags: 'u32',
  name: OBJ_NAME,
});

// ---------------------------------------------------------------- perf_event_attr

/** struct perf_event_attr up to sig_data (PERF_ATTR_SIZE_VER7, 128 bytes; kernels ≥ 5.13). */
export const PERF_EVENT_ATTR = struct({
  type: 'u32',
  size: 'u32',
  config: 'u64',
  sample_period: 'u64',
  sample_type: 'u64',
  read_format: 'u64',
  flags: 'u64',
  wakeup_events: 'u32',
  bp_type: 'u32',
  config1: 'u64',
  config2: 'u64',
  branch_sample_type: 'u64',
  sample_regs_user: 'u64',
  sample_stack_user: 'u32',
  clockid: 's32',
  sample_regs_intr: 'u64',
  aux_watermark: 'u32',
  sample_max_stack: 'u16',
  reserved_2: 'u16',
  aux_sample_size: 'u32',
  reserved_3: 'u32',
  sig_data: 'u64',
});

/** Bits of perf_event_attr's flags word, in declaration order of its bitfields. */
export const PERF_ATTR_FLAG = {
  disabled: 1n << 0n,
  inherit: 1n << 1n,
  pinned: 1n << 2n,
  exclusive: 1n << 3n,
  exclude_user: 1n << 4n,
  exclude_kernel: 1n << 5n,
  exclude_hv: 1n << 6n,
  exclude_idle: 1n << 7n,
  mmap: 1n << 8n,
  comm: 1n << 9n,
  freq: 1n << 10n,
  inherit_stat: 1n << 11n,
  enable_on_exec: 1n << 12n,
  task: 1n << 13n,
  watermark: 1n << 14n,
} as const;
