import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { disasm, formatInsn } from '../../src/bpf/disasm.ts';
import {
  ALU,
  ALU64,
  AluOp,
  ATOMIC,
  alu32Imm,
  alu32Reg,
  alu64Imm,
  alu64Reg,
  atomicAdd,
  B,
  bswap,
  call,
  callSub,
  DW,
  decode,
  exit,
  type Insn,
  JMP32,
  JmpOp,
  ja,
  jmpImm,
  jmpReg,
  ldFunc,
  ldImm64,
  ldMapFd,
  ldMapValue,
  link,
  load,
  loadSx,
  movImm,
  movReg,
  neg64,
  Reg,
  STX,
  sdivReg,
  store,
  storeImm,
  W,
  X,
} from '../../src/bpf/insn.ts';

const atomic = (size: number, imm: number, dst = Reg.R0, src = Reg.R1): Insn => ({ op: STX | ATOMIC | size, dst, src, off: 8, imm });

describe('disasm', () => {
  it('prints every instruction form like the kernel verifier', () => {
    const cases: [Insn, string][] = [
      [movReg(Reg.R1, Reg.FP), 'r1 = r10'],
      [alu64Imm(AluOp.ADD, Reg.R1, -8), 'r1 += -8'],
      [alu32Reg(AluOp.SUB, Reg.R2, Reg.R3), 'w2 -= w3'],
      [alu32Imm(AluOp.MOV, Reg.R2, 5), 'w2 = 5'],
      [alu64Reg(AluOp.ARSH, Reg.R2, Reg.R3), 'r2 s>>= r3'],
      [alu64Imm(AluOp.LSH, Reg.R2, 3), 'r2 <<= 3'],
      [alu64Reg(AluOp.XOR, Reg.R4, Reg.R5), 'r4 ^= r5'],
      [alu64Reg(AluOp.MOD, Reg.R4, Reg.R5), 'r4 %= r5'],
      [neg64(Reg.R3), 'r3 = -r3'],
      [sdivReg(AluOp.DIV, Reg.R1, Reg.R2), 'r1 s/= r2'],
      [sdivReg(AluOp.MOD, Reg.R1, Reg.R2), 'r1 s%= r2'],
      [{ ...movReg(Reg.R1, Reg.R2), off: 16 }, 'r1 = (s16)r2'],
      [{ op: ALU | AluOp.MOV | X, dst: 1, src: 2, off: 8, imm: 0 }, 'w1 = (s8)w2'],
      [bswap(Reg.R1, 32), 'r1 = bswap32 r1'],
      [{ op: ALU | AluOp.END | X, dst: 1, src: 0, off: 0, imm: 16 }, 'r1 = be16 r1'],
      [{ op: ALU | AluOp.END, dst: 1, src: 0, off: 0, imm: 64 }, 'r1 = le64 r1'],
      [store(8, Reg.FP, -8, Reg.R1), '*(u64 *)(r10 -8) = r1'],
      [storeImm(4, Reg.FP, -16, 7), '*(u32 *)(r10 -16) = 7'],
      [load(4, Reg.R0, Reg.R1, 0), 'r0 = *(u32 *)(r1 +0)'],
      [load(1, Reg.R0, Reg.R1, 3), 'r0 = *(u8 *)(r1 +3)'],
      [loadSx(2, Reg.R0, Reg.R1, 2), 'r0 = *(s16 *)(r1 +2)'],
      [atomicAdd(8, Reg.R0, 0, Reg.R1), 'lock *(u64 *)(r0 +0) += r1'],
      [atomicAdd(4, Reg.R0, 4, Reg.R1), 'lock *(u32 *)(r0 +4) += w1'],
      [atomic(DW, 0x40), 'lock *(u64 *)(r0 +8) |= r1'],
      [atomic(DW, 0x01), 'r1 = atomic64_fetch_add((u64 *)(r0 +8), r1)'],
      [atomic(W, 0x51), 'w1 = atomic_fetch_and((u32 *)(r0 +8), w1)'],
      [atomic(DW, 0xe1), 'r1 = atomic64_xchg((u64 *)(r0 +8), r1)'],
      [atomic(DW, 0xf1), 'r0 = atomic64_cmpxchg((u64 *)(r0 +8), r0, r1)'],
      [atomic(DW, 0x100, Reg.R2, Reg.R3), 'r3 = load_acquire((u64 *)(r2 +8))'],
      [atomic(B, 0x110, Reg.R2, Reg.R3), 'store_release((u8 *)(r2 +8), w3)'],
      [ldImm64(Reg.R1, 0x1122334455667788n), 'r1 = 0x1122334455667788 ll'],
      [ldMapFd(Reg.R1, '@counts'), 'r1 = map[@counts]'],
      [ldMapValue(Reg.R2, '.rodata', 16), 'r2 = map[.rodata][0]+16'],
      [ldFunc(Reg.R2, 'callback'), 'r2 = func[callback]'],
      [jmpImm(JmpOp.JNE, Reg.R1, 0, 'L3'), 'if r1 != 0x0 goto L3'],
      [jmpImm(JmpOp.JSGT, Reg.R1, -1, 'L3'), 'if r1 s> 0xffffffff goto L3'],
      [jmpReg(JmpOp.JLE, Reg.R1, Reg.R2, 'L4'), 'if r1 <= r2 goto L4'],
      [{ op: JMP32 | JmpOp.JEQ, dst: 1, src: 0, off: 3, imm: 9 }, 'if w1 == 0x9 goto +3'],
      [{ op: 0x05 | JmpOp.JSET, dst: 1, src: 0, off: -2, imm: 4 }, 'if r1 & 0x4 goto -2'],
      [ja('out'), 'goto out'],
      [{ op: JMP32 | JmpOp.JA, dst: 0, src: 0, off: 0, imm: 70000 }, 'gotol +70000'],
      [{ op: 0x05 | 0xe0, dst: 0, src: 0, off: 5, imm: 0 }, 'may_goto +5'],
      [call(1), 'call bpf_map_lookup_elem#1'],
      [call(130), 'call bpf_ringbuf_output#130'],
      [call(9999), 'call unknown#9999'],
      [callSub('sub'), 'call sub'],
      [{ op: 0x85, dst: 0, src: 1, off: 0, imm: 4 }, 'call pc+4'],
      [exit(), 'exit'],
      [{ op: ALU64 | 0xf0, dst: 0, src: 0, off: 0, imm: 0 }, '.insn op=0xf7 dst=r0 src=r0 off=0 imm=0x0'],
    ];
    for (const [i, text] of cases) assert.equal(formatInsn(i), text);
  });

  it('prints decoded map loads by fd, or by name when told', () => {
    const [i] = decode(link([ldMapFd(Reg.R1, 'm')], { fd: () => 7 }));
    assert.equal(formatInsn(i as Insn), 'r1 = map[fd:7]');
    assert.equal(formatInsn(i as Insn, { mapName: (fd) => (fd === 7 ? '@m' : undefined) }), 'r1 = map[@m]');
    const [v] = decode(link([ldMapValue(Reg.R1, 'm', 24)], { fd: () => 7 }));
    assert.equal(formatInsn(v as Insn), 'r1 = map[fd:7][0]+24');
  });

  it('lays out a program with labels, comments and slot numbers (golden)', () => {
    const prog: Insn[] = [
      { ...movReg(Reg.R6, Reg.R1), comment: 'kprobe:do_nanosleep' },
      { ...storeImm(4, Reg.FP, -4, 0), comment: '@calls[0] = count()' },
      ldMapFd(Reg.R1, '@calls'),
      movReg(Reg.R2, Reg.FP),
      alu64Imm(AluOp.ADD, Reg.R2, -4),
      call(1),
      jmpImm(JmpOp.JEQ, Reg.R0, 0, 'L_out'),
      movImm(Reg.R1, 1),
      atomicAdd(8, Reg.R0, 0, Reg.R1),
      { ...movImm(Reg.R0, 0), labels: ['L_out'] },
      exit(),
    ];
    assert.equal(
      disasm(prog),
      [
        '    ; kprobe:do_nanosleep',
        ' 0: r6 = r1',
        '    ; @calls[0] = count()',
        ' 1: *(u32 *)(r10 -4) = 0',
        ' 2: r1 = map[@calls]',
        ' 4: r2 = r10',
        ' 5: r2 += -4',
        ' 6: call bpf_map_lookup_elem#1',
        ' 7: if r0 == 0x0 goto L_out',
        ' 8: r1 = 1',
        ' 9: lock *(u64 *)(r0 +0) += r1',
        'L_out:',
        '10: r0 = 0',
        '11: exit',
      ].join('\n'),
    );
    // The same program after linking prints with relative offsets instead of names.
    assert.equal(disasm(decode(link(prog, { fd: () => 3 })), { numbers: false }).split('\n')[6], 'if r0 == 0x0 goto +2');
  });
});

describe('encoding', () => {
  it('link() and decode() are inverses on every instruction form', () => {
    const prog: Insn[] = [
      movReg(Reg.R1, Reg.FP),
      alu64Imm(AluOp.ADD, Reg.R1, -8),
      alu32Imm(AluOp.AND, Reg.R3, 0xff),
      sdivReg(AluOp.MOD, Reg.R1, Reg.R2),
      { ...movReg(Reg.R1, Reg.R2), off: 32 },
      bswap(Reg.R1, 64),
      ldImm64(Reg.R1, -1n),
      ldImm64(Reg.R2, 0x8000000000000000n),
      store(2, Reg.FP, -2, Reg.R1),
      storeImm(8, Reg.FP, -16, -5),
      loadSx(4, Reg.R0, Reg.R1, -4),
      atomicAdd(8, Reg.R0, 0, Reg.R1),
      atomic(DW, 0xf1),
      jmpImm(JmpOp.JSLT, Reg.R1, -7, 'end'),
      jmpReg(JmpOp.JGE, Reg.R1, Reg.R2, 'end'),
      call(6),
      { ...exit(), labels: ['end'] },
    ];
    const bytes = link(prog, null);
    assert.equal(bytes.length, (prog.length + 2) * 8);
    const back = decode(bytes);
    assert.equal(back.length, prog.length);
    back.forEach((d, n) => {
      const o = prog[n] as Insn;
      assert.equal(d.op, o.op, `op at ${n}`);
      assert.equal(d.dst, o.dst);
      assert.equal(d.src, o.src);
      if (!o.ref) assert.equal(d.off, o.off, `off at ${n}`);
      if (o.imm64 !== undefined) assert.equal(d.imm64, BigInt.asUintN(64, o.imm64));
      else assert.equal(d.imm, o.imm, `imm at ${n}`);
    });
    // Jumps were resolved to the label's slot.
    assert.equal(back[13]?.off, 2);
    assert.equal(back[14]?.off, 1);
    // Re-encoding the decoded program gives the same bytes.
    assert.deepEqual(link(back, null), bytes);
  });

  it('a bpf-to-bpf call and a callback reference resolve to their subprogram', () => {
    const prog: Insn[] = [callSub('sub'), ldFunc(Reg.R2, 'sub'), exit(), { ...movImm(Reg.R0, 1), labels: ['sub'] }, exit()];
    const back = decode(link(prog, null));
    assert.equal(back[0]?.imm, 3); // slot 4 - 0 - 1
    assert.equal(back[1]?.imm64, 2n); // slot 4 - 1 - 1
    assert.equal(disasm(back, { numbers: false }), 'call pc+3\nr2 = func[+2]\nexit\nr0 = 1\nexit');
  });
});
