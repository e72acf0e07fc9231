// x86-64 struct pt_regs, the context of kprobes and uprobes: where each register is saved.

/** x86-64 struct pt_regs offsets by bpftrace's register names: the one copy of the layout here. */
const LAYOUT = {
  r15: 0,
  r14: 8,
  r13: 16,
  r12: 24,
  bp: 32,
  bx: 40,
  r11: 48,
  r10: 56,
  r9: 64,
  r8: 72,
  ax: 80,
  cx: 88,
  dx: 96,
  si: 104,
  di: 112,
  orig_ax: 120,
  ip: 128,
  cs: 136,
  flags: 144,
  sp: 152,
  ss: 160,
} as const;

/** The registers reg("name") reads; `pc` is bpftrace's alias of `ip` on x86-64. */
export const PT_REGS: Readonly<Record<string, number>> = { ...LAYOUT, pc: LAYOUT.ip };
/** pt_regs offsets of the integer argument registers (System V order). */
export const PT_REGS_ARGS = [LAYOUT.di, LAYOUT.si, LAYOUT.dx, LAYOUT.cx, LAYOUT.r8, LAYOUT.r9] as const;
export const PT_REGS_RAX = LAYOUT.ax;
export const PT_REGS_ORIG_AX = LAYOUT.orig_ax;
export const PT_REGS_IP = LAYOUT.ip;
export const PT_REGS_SP = LAYOUT.sp;
export const PT_REGS_CS = LAYOUT.cs;
