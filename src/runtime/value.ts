// The value model between the kernel's bytes and the printed text: events and map contents are
// decoded into Values (using the Resources the compiler produced), then rendered by the text or
// JSON output. Rendering never looks at raw bytes.

export type Value =
  | { kind: 'int'; value: bigint; signed: boolean; size: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'str'; value: string }
  /** Raw bytes from buf(); printed as escaped text (`\x00`) the way bpftrace does. */
  | { kind: 'buf'; bytes: Uint8Array }
  | { kind: 'tuple'; elems: Value[] }
  /** A fixed-size array (`int32[4]`...): printed `[1,2,3]`, without spaces (output/text.ts). */
  | { kind: 'array'; elems: Value[] }
  | { kind: 'record'; fields: { name: string; value: Value }[] }
  /** A resolved kernel or user stack, one symbolized frame per entry (no indentation). */
  /** `indent` starts each frame's line in text output (bpftrace's per-mode padding). */
  | { kind: 'stack'; frames: string[]; indent: string }
  /** Symbols, addresses, inet, mac, timestamps, enum names...: already text. */
  | { kind: 'text'; value: string }
  /**
   * Text that also has a number: enum names and pointers (`0x...`). `%s` and print() show the
   * text, `%d`/`%x` and JSON use the number (bpftrace's output::Primitive::Symbolic).
   */
  | { kind: 'sym'; text: string; value: bigint }
  | { kind: 'none' };

/** What an aggregation map holds per key, merged over CPUs. */
export type AggValue =
  | { kind: 'scalar'; value: Value }
  | { kind: 'count'; value: bigint }
  | { kind: 'sum'; value: bigint; signed: boolean }
  | { kind: 'min'; value: bigint; signed: boolean; isSet: boolean }
  | { kind: 'max'; value: bigint; signed: boolean; isSet: boolean }
  | { kind: 'avg'; total: bigint; count: bigint; signed: boolean }
  | { kind: 'stats'; total: bigint; count: bigint; signed: boolean }
  /** log2 histogram; buckets[i] counts of bucket i as bpftrace indexes them (see output/hist.ts). */
  | { kind: 'hist'; buckets: bigint[]; bits: number }
  | { kind: 'lhist'; buckets: bigint[]; min: bigint; max: bigint; step: bigint }
  | {
      kind: 'tseries';
      /** Bucket start time (ns since boot) → value. */
      points: Map<bigint, bigint>;
      intervalNs: bigint;
      numIntervals: number;
      agg: 'avg' | 'max' | 'min' | 'sum' | 'none';
      /** Whether the (already reduced) values are int64 rather than uint64; default false. */
      signed?: boolean;
    };

export interface MapEntry {
  /** The key as the user wrote it: one Value, a tuple for multi-keys, null for scalar maps. */
  key: Value | null;
  value: AggValue;
}

export interface MapSnapshot {
  /** With the `@`, e.g. "@start" or "@" for the anonymous map. */
  name: string;
  entries: MapEntry[];
  /**
   * What the map aggregates, when known. Only needed to print an empty map exactly: in JSON an
   * empty avg()/stats() map still prints (`{"type": "stats", "data": {"@a": {}}}`).
   */
  aggKind?: AggValue['kind'];
}
