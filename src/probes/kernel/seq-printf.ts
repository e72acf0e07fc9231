// printf in iterator programs, as bpftrace does it: bpf_seq_printf() writes the text into the
// iterator's seq_file, so it is what reading the iterator (or a pinned iterator file) yields,
// formatted by the kernel. The helper wants its format in a frozen read-only map, and its
// arguments as an array of u64: integers by value, strings by address.

import { Attr, struct } from '../../bpf/attr.ts';
import { BPF_F_RDONLY_PROG, BPF_MAP_FREEZE, BPF_MAP_TYPE_ARRAY } from '../../bpf/constants.ts';
import { helperId } from '../../bpf/helpers.ts';
import { call, ldMapValue, load, loadConst, Reg } from '../../bpf/insn.ts';
import type { BpfMap, MapSpec } from '../../bpf/map.ts';
import { checkBpf } from '../../bpf/sys.ts';
import type { Emitter } from '../../codegen/emitter.ts';
import type { Resources } from '../../codegen/resources.ts';
import type { Expr } from '../../lang/ast.ts';
import { UserError } from '../../lang/diagnostics.ts';

/** The map holding every iterator printf format, NUL-terminated, back to back. */
export const ITER_FMT_MAP = 'iter_fmt';

/** bpf_seq_printf takes at most this many arguments (MAX_BPF_FUNC_VARARGS). */
export const SEQ_PRINTF_MAX_ARGS = 12;

interface FormatTable {
  spec: MapSpec;
  text: number[];
  offsets: Map<string, number>;
  value: Uint8Array;
}

const tables = new WeakMap<Resources, FormatTable>();

/**
 * Offset of `fmt` in the format map, adding it (and the map) on first use. Also the home of
 * debugf()'s formats: any helper that reads a constant NUL-terminated string can point into it.
 */
export function formatOffset(res: Resources, fmt: string): number {
  let t = tables.get(res);
  if (!t) {
    const spec: MapSpec = {
      name: ITER_FMT_MAP,
      type: BPF_MAP_TYPE_ARRAY,
      keySize: 4,
      valueSize: 8,
      maxEntries: 1,
      flags: BPF_F_RDONLY_PROG,
    };
    t = { spec, text: [], offsets: new Map(), value: new Uint8Array(8) };
    res.internalMaps.push(spec);
    tables.set(res, t);
  }
  const known = t.offsets.get(fmt);
  if (known !== undefined) return known;
  const at = t.text.length;
  t.offsets.set(fmt, at);
  for (const b of Buffer.from(fmt, 'latin1')) t.text.push(b);
  t.text.push(0);
  // The map's one value grows with the table; the runtime writes it before loading programs.
  t.spec.valueSize = Math.ceil(t.text.length / 8) * 8;
  t.value = new Uint8Array(t.spec.valueSize);
  t.value.set(t.text);
  res.mapInit.set(ITER_FMT_MAP, [{ key: new Uint8Array(4), value: t.value }]);
  return at;
}

/**
 * What the kernel's bprintf accepts (Linux 5.13+): flags `-+ 0`, a width, `l`/`ll`, and the
 * conversions d i u x X s c (plus %%). Returns why `fmt` does not fit, or null.
 */
export function seqFormatProblem(fmt: string): string | null {
  const re = /%(%|([-+ 0#]*)(\d*)(\.\d*)?(hh|h|ll|l|z|j|t|L)?([a-zA-Z]?))/g;
  for (let m = re.exec(fmt); m; m = re.exec(fmt)) {
    if (m[1] === '%') continue;
    const [, , flags = '', , precision, length = '', conv = ''] = m;
    if (flags.includes('#')) return `the '#' flag in ${m[0]}`;
    if (precision !== undefined) return `a precision in ${m[0]}`;
    if (!/^(d|i|u|x|X|s|c)$/.test(conv)) return `%${conv || '(nothing)'}`;
    if (length && !/^(l|ll)$/.test(length)) return `the '${length}' length in ${m[0]}`;
    if (length && (conv === 's' || conv === 'c')) return m[0];
  }
  return null;
}

/** Emits printf(fmt, args...) as a bpf_seq_printf call on the iterator's seq_file. */
export function emitSeqPrintf(em: Emitter, fmt: string, args: readonly Expr[]): void {
  const problem = seqFormatProblem(fmt);
  if (problem) {
    throw new UserError(`printf in iter probes is formatted by the kernel (bpf_seq_printf), which does not support ${problem}`, [
      'use %d %i %u %x %X (optionally with l or ll), %s and %c, with flags -+ 0 and a width',
    ]);
  }
  if (args.length > SEQ_PRINTF_MAX_ARGS) {
    throw new UserError(`printf in iter probes takes at most ${SEQ_PRINTF_MAX_ARGS} arguments (bpf_seq_printf's limit)`);
  }
  const seqPrintf = helperId('seq_printf');
  if (seqPrintf === undefined) throw new Error('internal: no seq_printf helper id');
  const off = formatOffset(em.resources, fmt);

  const data = args.length ? em.allocMem(args.length * 8) : null;
  args.forEach((a, i) => {
    const t = em.typeOf(a);
    if (!data) return;
    if (t.kind === 'string') {
      // The kernel reads %s arguments through their address.
      const loc = em.mem(a);
      em.addr(loc, Reg.R0);
      em.storeReg(8, data, i * 8, Reg.R0, Reg.R1);
      return;
    }
    if (t.kind !== 'int' && t.kind !== 'bool' && t.kind !== 'pointer') {
      throw new UserError(`printf in iter probes can only print integers and strings (argument ${i + 1} is a ${t.kind})`);
    }
    const v = em.scalar(a);
    const r = em.reg(v, Reg.R0);
    em.storeReg(8, data, i * 8, r, Reg.R1);
    em.free(v);
  });
  if (data) em.addr(data, Reg.R4);
  else em.emit(loadConst(Reg.R4, 0n));
  em.emit(
    load(8, Reg.R1, Reg.R6, 0), // ctx->meta
    load(8, Reg.R1, Reg.R1, 0), // meta->seq
    ldMapValue(Reg.R2, ITER_FMT_MAP, off),
    loadConst(Reg.R3, BigInt(Buffer.byteLength(fmt, 'latin1') + 1)),
    loadConst(Reg.R5, BigInt(args.length * 8)),
    call(seqPrintf),
  );
}

const MAP_FD = struct({ map_fd: 'u32' });

/**
 * Freezes the maps programs may only read (BPF_F_RDONLY_PROG): only a frozen one counts as
 * constant for helpers that take constant strings, such as bpf_seq_printf's format.
 */
export function freezeReadOnlyMaps(maps: Iterable<BpfMap>): void {
  for (const m of maps) {
    if (((m.spec.flags ?? 0) & BPF_F_RDONLY_PROG) === 0) continue;
    const a = new Attr(MAP_FD).u32('map_fd', m.fd);
    checkBpf(m.sys.bpf(BPF_MAP_FREEZE, a.bytes), BPF_MAP_FREEZE, `map ${m.spec.name}`);
  }
}
