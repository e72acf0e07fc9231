// arg0..argN of USDT probes: each location's note says where an argument is (a register, a
// constant, memory at register+disp or base+index*scale+disp, or a global RIP-relative), so
// the code to read it is generated per location from ProbeContext.usdt. Memory is read with
// bpf_probe_read_user; values are sign- or zero-extended from the spec's size.

import { AluOp, alu64Imm, alu64Reg, load, Reg } from '../bpf/insn.ts';
import type { Emitter, Operand } from '../codegen/emitter.ts';
import type { RegRef, UsdtArg } from '../elf/usdt-spec.ts';
import { tempWith } from './gen-util.ts';
import { PT_REGS_IP } from './pt-regs.ts';

/** What a USDT program needs to read its arguments (set by the usdt provider's context). */
export interface UsdtContext {
  args: UsdtArg[];
  /** Link-time address of the probe site, to find the load bias at run time. */
  pc: number;
  /** For RIP-relative arguments: the link-time address of the symbol, per argument (else null). */
  symbolAddrs: (number | null)[];
}

function loadReg(em: Emitter, dst: Reg, r: RegRef): void {
  em.emit(load(8, dst, Reg.R6, r.offset));
  if (r.shift) em.emit(alu64Imm(AluOp.RSH, dst, r.shift));
  // The register's own width first (eax of a 64-bit rax), then the spec's size by the caller.
  em.extend(dst, r.size, false);
}

/** Emits argument `n` of a USDT probe; `n` was checked against the spec count. */
export function emitUsdtArg(em: Emitter, usdt: UsdtContext, n: number): Operand {
  const a = usdt.args[n] as UsdtArg;
  if (a.kind === 'const') {
    let v = BigInt.asUintN(a.size * 8, a.value);
    if (a.signed) v = BigInt.asIntN(a.size * 8, v);
    return { kind: 'imm', value: BigInt.asUintN(64, v) };
  }
  if (a.kind === 'reg') {
    const t = tempWith(em, (r) => {
      loadReg(em, r, a.reg);
      em.extend(r, a.size, a.signed);
    });
    return { kind: 'temp', temp: t };
  }
  const t = em.frame.newTemp();
  // Memory: the address in R1 (R2 for the index and the symbol), then a user-memory read.
  if (a.base) loadReg(em, Reg.R1, a.base);
  else em.emit(alu64Imm(AluOp.MOV, Reg.R1, 0));
  if (a.index) {
    loadReg(em, Reg.R2, a.index);
    if (a.scale > 1) em.emit(alu64Imm(AluOp.LSH, Reg.R2, Math.log2(a.scale)));
    em.emit(alu64Reg(AluOp.ADD, Reg.R1, Reg.R2));
  }
  if (a.symbol) {
    // The symbol's run-time address: ip at the probe is the site (+1 after the breakpoint on
    // some kernels) plus the page-aligned load bias, so masking the page bits off (ip - site)
    // gives the bias exactly (0 for non-PIE executables).
    const sym = usdt.symbolAddrs[n] ?? 0;
    em.emit(load(8, Reg.R2, Reg.R6, PT_REGS_IP), alu64Imm(AluOp.SUB, Reg.R2, usdt.pc));
    em.emit(alu64Imm(AluOp.AND, Reg.R2, -4096), alu64Imm(AluOp.ADD, Reg.R2, sym), alu64Reg(AluOp.ADD, Reg.R1, Reg.R2));
  }
  if (a.disp) em.emit(alu64Imm(AluOp.ADD, Reg.R1, a.disp));
  const addr = em.tempFromReg(Reg.R1);
  const slot = em.allocMem(8);
  em.zero(slot, 8);
  em.callHelper(
    'probe_read_user',
    [
      { kind: 'addr', loc: slot },
      { kind: 'imm', value: BigInt(a.size) },
      { kind: 'temp', temp: addr },
    ],
    true,
  );
  em.free(addr);
  const out = t.reg ?? Reg.R0;
  em.loadReg(8, out, slot, 0);
  em.extend(out, a.size, a.signed);
  em.setTemp(t, out);
  return { kind: 'temp', temp: t };
}
