// The record format shared by generated code and the runtime: every ring buffer record starts
// with a u64 header, low 32 bits the event kind, high 32 bits an id (format, map...).

export const enum EventKind {
  Printf = 1,
  Exit = 2,
  PrintMap = 3,
  ClearMap = 4,
  ZeroMap = 5,
  PrintValue = 6,
  Time = 7,
  Cat = 8,
  System = 9,
  Errorf = 10,
  Warnf = 11,
  Join = 12,
  /**
   * A BPF helper failed or a divisor was zero: the id names the site (codegen/runtime-errors.ts),
   * an i64 (the helper's return code) follows.
   */
  RuntimeError = 13,
  /** watchpoint:FUNC+argN's uprobe fired: the id names the watchpoint, the address (u64) follows. */
  WatchpointArm = 14,
  /** unwatch(addr): the watchpoints on an address (u64, after the header) are to be removed. */
  Unwatch = 15,
  /**
   * skboutput(), in the perf buffers rather than the ring: the id names the call, the event's
   * boot-clock time (u64 ns) follows, then the packet bytes the kernel appended.
   */
  SkbOutput = 16,
}

export const HEADER_SIZE = 8;

export function eventHeader(kind: EventKind, id: number): bigint {
  return (BigInt(id) << 32n) | BigInt(kind);
}

/** Indexes in the per-CPU "errors" array map counting what the kernel side had to drop. */
export const ERR_RINGBUF_LOST = 0;
/** Entries of the "errors" map (a full map is reported as a helper error, when it happens). */
export const ERR_COUNTERS = 1;
