// BTF function info: one record per subprogram, naming it. The kernel verifies callbacks
// (bpf_loop, bpf_for_each_map_elem, ...) only in programs that carry it; with it a program shows
// its full name (bpftool, kallsyms' bpf_prog_TAG_NAME) and can be the target of fentry:bpf /
// fexit:bpf probes. Programs built here have no C types, so this builds the smallest BTF that
// does — `int` and one static `int NAME(void)` per subprogram — and loads it with BPF_BTF_LOAD.
// No arguments, not even the program's context: the verifier distrusts a prototype whose
// argument is not the program type's context struct, and trampolines on such a function then
// pass five registers whatever it takes; with none, fexit:bpf finds the return value first.

import { BTF_MAGIC, INT_SIGNED, KIND_FUNC, KIND_FUNC_PROTO, KIND_INT } from '../btf/format.ts';
import { Attr, BTF_HEADER, BTF_LOAD } from './attr.ts';
import { BPF_BTF_LOAD } from './constants.ts';
import { checkBpf, cString, type Sys } from './sys.ts';

/** Type id of the first FUNC in funcInfoBtf's blob; the others follow in order. */
export const FIRST_FUNC_ID = 3;

/** Longest FUNC name every kernel takes (KSYM_NAME_LEN was 128 before Linux 6.1). */
const FUNC_NAME_MAX = 127;

/**
 * A name the kernel accepts for a FUNC: C identifier characters, as bpftrace sanitises program
 * names, and a name too long for older kernels cut short with a hash of the whole name so
 * different long names stay different.
 */
export function btfFuncName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_]/g, '_');
  const ident = /^[A-Za-z_]/.test(clean) ? clean : `_${clean}`;
  if (ident.length <= FUNC_NAME_MAX) return ident;
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < ident.length; i++) h = Math.imul(h ^ ident.charCodeAt(i), 0x01000193) >>> 0;
  const hash = h.toString(16).padStart(8, '0');
  return `${ident.slice(0, FUNC_NAME_MAX - hash.length - 1)}_${hash}`;
}

/**
 * A minimal BTF blob with one FUNC per name: the first is the program's entry, the rest its
 * subprograms; FUNC type ids are FIRST_FUNC_ID, FIRST_FUNC_ID + 1, ... in `names` order.
 */
export function funcInfoBtf(names: readonly string[]): Uint8Array {
  const strings: number[] = [0];
  const str = (s: string): number => {
    const at = strings.length;
    // btfFuncName leaves only ASCII identifier characters (and 'int' is one).
    for (let i = 0; i < s.length; i++) strings.push(s.charCodeAt(i));
    strings.push(0);
    return at;
  };
  const types: number[] = [];
  // [1] int: signed, 32 bits.
  types.push(str('int'), KIND_INT << 24, 4, (INT_SIGNED << 24) | 32);
  // [2] int (void)
  types.push(0, KIND_FUNC_PROTO << 24, 1);
  // [3..] static functions of that prototype (vlen holds the linkage: 0 = static).
  for (const n of names) types.push(str(btfFuncName(n)), KIND_FUNC << 24, 2);

  const hdrLen = BTF_HEADER.size;
  const typeLen = types.length * 4;
  const out = new Uint8Array(hdrLen + typeLen + strings.length);
  // Section offsets count from the end of the header: types first, then strings.
  new Attr(BTF_HEADER, out)
    .u16('magic', BTF_MAGIC)
    .u8('version', 1)
    .u32('hdr_len', hdrLen)
    .u32('type_off', 0)
    .u32('type_len', typeLen)
    .u32('str_off', typeLen)
    .u32('str_len', strings.length);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < types.length; i++) dv.setUint32(hdrLen + i * 4, (types[i] as number) >>> 0, true);
  out.set(strings, hdrLen + typeLen);
  return out;
}

/** BPF_BTF_LOAD; returns the BTF object's fd. */
export function loadBtf(sys: Sys, blob: Uint8Array): number {
  const logSize = 16 * 1024;
  const mem = sys.alloc(blob.length + logSize);
  try {
    mem.bytes.set(blob);
    const a = new Attr(BTF_LOAD).u64('btf', mem.addr).u32('btf_size', blob.length);
    const fd = sys.bpf(BPF_BTF_LOAD, a.bytes);
    if (fd >= 0) return fd;
    // Again with a log, to say what the kernel disliked.
    a.u64('btf_log_buf', mem.addr + BigInt(blob.length))
      .u32('btf_log_size', logSize)
      .u32('btf_log_level', 1);
    const fd2 = sys.bpf(BPF_BTF_LOAD, a.bytes);
    if (fd2 >= 0) return fd2;
    const text = cString(mem.bytes.subarray(blob.length)).trim().split('\n').at(-1);
    return checkBpf(fd, BPF_BTF_LOAD, text);
  } finally {
    sys.free(mem);
  }
}
