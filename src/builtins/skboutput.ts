// skboutput(path, skb, length, offset): copies the first `length` bytes of a socket buffer's data
// into a PCAP file, through bpf_skb_output. That helper writes into a perf event array (it has
// no ring-buffer form), so the program sends {header, boot-clock time} with the packet appended
// by the kernel, and user space (runtime/skb-capture.ts) drops the first `offset` bytes and
// writes the record, as bpftrace does. Tracing programs only (fentry/fexit, iterators), where
// the skb is a BTF-typed `struct sk_buff *` the verifier accepts.

import { BPF_MAP_TYPE_PERF_EVENT_ARRAY } from '../bpf/constants.ts';
import { AluOp, alu64Imm, alu64Reg, ldImm64, loadConst, Reg } from '../bpf/insn.ts';
import { possibleCpus } from '../bpf/map.ts';
import type { Emitter } from '../codegen/emitter.ts';
import type { Temp } from '../codegen/frame.ts';
import { SKB_PERF_MAP } from '../codegen/resources.ts';
import type { Expr } from '../lang/ast.ts';
import { UserError } from '../lang/diagnostics.ts';
import { requireHelper } from '../probes/kernel/availability.ts';
import { EventKind, eventHeader, HEADER_SIZE } from '../runtime/events.ts';
import { typeKindWord, typeName, UINT32 } from '../sema/types.ts';
import { literalInt, literalText } from './gen-util.ts';
import type { Builtin } from './types.ts';

const PROVIDERS: readonly string[] = ['fentry', 'fexit', 'iter'];

/** The record the program sends: header, then bpf_ktime_get_boot_ns(); the packet follows it. */
export const SKB_RECORD_SIZE = HEADER_SIZE + 8;

/** bpf_skb_output's flags: the map index in the low 32 bits (this CPU's), the length above. */
const BPF_F_CURRENT_CPU = 0xffffffffn;

export const skboutput: Builtin = {
  name: 'skboutput',
  ident: false,
  func: true,
  minArgs: 4,
  maxArgs: 4,
  providers: PROVIDERS,
  check(call, cx) {
    const [file, skb, len, off] = call.args as [Expr, Expr, Expr, Expr];
    const tf = cx.check(file);
    if (tf.kind !== 'string' || cx.literalString(file) === null)
      cx.diags.error(call.span, `skboutput() expects a string literal (${typeKindWord(tf)} provided)`);
    const ts = cx.check(skb);
    if (ts.kind !== 'pointer') cx.diags.error(call.span, `skboutput() only supports pointer arguments (${typeKindWord(ts)} provided)`);
    else if (ts.to.kind === 'struct' && ts.to.name !== 'struct sk_buff')
      cx.diags.error(skb.span, `skboutput() needs a struct sk_buff * (${typeName(ts)} provided)`);
    const tl = cx.check(len);
    if (tl.kind !== 'int') cx.diags.error(call.span, `skboutput() only supports integer arguments (${typeKindWord(tl)} provided)`);
    const to = cx.check(off);
    const offset = cx.literalInt(off);
    // User space applies the offset to every packet of the call, so it is fixed when compiling.
    if (to.kind !== 'int' || offset === null || offset < 0n)
      cx.diags.error(off.span, `skboutput() expects a non-negative integer literal as its offset (${typeKindWord(to)} provided)`);
    if (PROVIDERS.includes(cx.probe.providerName)) {
      try {
        requireHelper('skb_output');
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        cx.diags.error(call.span, e.message, ...e.hints);
      }
    }
    return UINT32;
  },
  emit(call, em) {
    const [file, skb, len, off] = call.args as [Expr, Expr, Expr, Expr];
    const id = em.resources.skbOutputs.length;
    em.resources.skbOutputs.push({ id, file: literalText(em, file) ?? '', offset: Number(literalInt(em, off) ?? 0n) });
    ensurePerfMap(em);

    const rec = em.allocMem(SKB_RECORD_SIZE);
    em.emit(ldImm64(Reg.R0, eventHeader(EventKind.SkbOutput, id)));
    em.storeReg(8, rec, 0, Reg.R0);
    const ns = em.callHelper('ktime_get_boot_ns', []) as Temp;
    em.storeReg(8, rec, HEADER_SIZE, em.reg(ns, Reg.R0));
    em.free(ns);

    const ptr = em.scalar(skb);
    const flags = em.scalar(len);
    const r = em.reg(flags, Reg.R0);
    em.emit(alu64Imm(AluOp.LSH, r, 32), loadConst(Reg.R1, BPF_F_CURRENT_CPU), alu64Reg(AluOp.OR, r, Reg.R1));
    em.setTemp(flags, r);
    const ret = em.callHelper('skb_output', [
      { kind: 'temp', temp: ptr },
      { kind: 'map', name: SKB_PERF_MAP },
      { kind: 'temp', temp: flags },
      { kind: 'addr', loc: rec },
      { kind: 'imm', value: BigInt(SKB_RECORD_SIZE) },
    ]) as Temp;
    em.free(ptr);
    em.free(flags);
    const rr = em.reg(ret, Reg.R0);
    em.extend(rr, 4, false);
    em.setTemp(ret, rr);
    return { kind: 'temp', temp: ret };
  },
};

/** The perf event array, one slot per possible CPU (bpf_skb_output writes into the current CPU's). */
function ensurePerfMap(em: Emitter): void {
  const maps = em.resources.internalMaps;
  if (maps.some((m) => m.name === SKB_PERF_MAP)) return;
  maps.push({
    name: SKB_PERF_MAP,
    type: BPF_MAP_TYPE_PERF_EVENT_ARRAY,
    keySize: 4,
    valueSize: 4,
    maxEntries: Math.max(0, ...possibleCpus()) + 1,
  });
}
