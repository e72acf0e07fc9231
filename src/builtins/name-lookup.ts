// strerror(errno), signal_name(sig) and syscall_name(nr): a number turned into text in the
// kernel, as bpftrace 0.26's stdlib does it. The result is an ordinary string[64], so it can be
// compared, used as a map key or concatenated like any other string. Each table is one
// read-only array map value holding fixed 64-byte slots; the program clamps the number into it
// and copies a slot. Slots without a name, and a last slot every out-of-range number lands on,
// hold the "unknown" text, so the program needs no second lookup.

import { BPF_F_RDONLY_PROG, BPF_MAP_TYPE_ARRAY } from '../bpf/constants.ts';
import { AluOp, alu64Imm, alu64Reg, JmpOp, jmpImm, ldMapValue, movImm, neg64, Reg } from '../bpf/insn.ts';
import type { Emitter } from '../codegen/emitter.ts';
import type { Expr } from '../lang/ast.ts';
import { type Type, typeKindWord } from '../sema/types.ts';
import {
  ERRNO_LIMIT,
  ERRNO_TEXTS,
  SIGNAL_LIMIT,
  SYSCALL_LIMIT,
  signalText,
  syscallText,
  UNKNOWN_ERROR,
  UNKNOWN_SIGNAL,
  UNKNOWN_SYSCALL,
} from './name-texts.ts';
import type { Builtin } from './types.ts';

/** bpftrace's `string[64]` result. */
const SLOT = 64;
const RESULT: Type = { kind: 'string', size: SLOT };

interface NameTable {
  fn: 'strerror' | 'signal_name' | 'syscall_name';
  map: string;
  /** Numbers 0..limit-1 are looked up; others are unknown. */
  limit: number;
  text(n: number): string | null;
  unknown: string;
  /** strerror(-ENOENT) is strerror(ENOENT). */
  absolute: boolean;
}

const TABLES: readonly NameTable[] = [
  {
    fn: 'strerror',
    map: 'errno_text',
    limit: ERRNO_LIMIT,
    text: (n) => ERRNO_TEXTS.get(n) ?? null,
    unknown: UNKNOWN_ERROR,
    absolute: true,
  },
  { fn: 'signal_name', map: 'signal_text', limit: SIGNAL_LIMIT, text: signalText, unknown: UNKNOWN_SIGNAL, absolute: false },
  { fn: 'syscall_name', map: 'syscall_text', limit: SYSCALL_LIMIT, text: syscallText, unknown: UNKNOWN_SYSCALL, absolute: false },
];

/** Slots up to the last named number, then the shared unknown slot. */
function slotCount(t: NameTable): number {
  let last = 0;
  for (let n = 0; n < t.limit; n++) if (t.text(n) !== null) last = n;
  return last + 2;
}

/** The map holding the table, added (with its contents) on first use. */
function tableMap(em: Emitter, t: NameTable): number {
  const slots = slotCount(t);
  const res = em.resources;
  if (!res.mapInit.has(t.map)) {
    const value = new Uint8Array(slots * SLOT);
    for (let n = 0; n < slots; n++) {
      const text = (n < slots - 1 ? t.text(n) : null) ?? t.unknown;
      value.set(Buffer.from(text, 'latin1').subarray(0, SLOT - 1), n * SLOT);
    }
    res.internalMaps.push({
      name: t.map,
      type: BPF_MAP_TYPE_ARRAY,
      keySize: 4,
      valueSize: value.length,
      maxEntries: 1,
      flags: BPF_F_RDONLY_PROG,
    });
    res.mapInit.set(t.map, [{ key: new Uint8Array(4), value }]);
  }
  return slots;
}

function nameBuiltin(t: NameTable): Builtin {
  return {
    name: t.fn,
    ident: false,
    func: true,
    minArgs: 1,
    maxArgs: 1,
    check(call, cx) {
      const a = call.args[0] as Expr;
      const at = cx.check(a);
      if (at.kind !== 'int' && at.kind !== 'bool') {
        cx.diags.error(a.span, `${t.fn}() expects an integer argument (${typeKindWord(at)} provided)`);
      }
      return RESULT;
    },
    emit(call, em) {
      const dest = em.memDest ?? em.allocMem(SLOT);
      const slots = tableMap(em, t);
      const v = em.scalar(call.args[0] as Expr);
      const r = em.reg(v, Reg.R0);
      // The argument is taken as a C int, as bpftrace's (int32) cast does.
      em.emit(alu64Imm(AluOp.LSH, r, 32), alu64Imm(AluOp.ARSH, r, 32));
      if (t.absolute) {
        const pos = em.label();
        em.emit(jmpImm(JmpOp.JSGE, r, 0, pos), neg64(r));
        em.place(pos);
      }
      // Numbers past the named ones (negative ones too, compared unsigned) read the last slot.
      const inRange = em.label();
      em.emit(jmpImm(JmpOp.JLT, r, slots - 1, inRange), movImm(r, slots - 1));
      em.place(inRange);
      em.emit(alu64Imm(AluOp.LSH, r, 6), ldMapValue(Reg.R1, t.map, 0), alu64Reg(AluOp.ADD, Reg.R1, r));
      em.free(v);
      em.addr(dest, Reg.R2);
      em.copyPtr(Reg.R2, Reg.R1, SLOT);
      return { kind: 'mem', loc: dest };
    },
  };
}

export const [strerror, signalName, syscallName] = TABLES.map(nameBuiltin) as [Builtin, Builtin, Builtin];
