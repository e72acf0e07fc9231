// Clean-ups on generated code before it is linked: the verifier refuses unreachable
// instructions (code after exit()/return/break), and jumps to the next instruction are noise.

import { type Insn, JMP, JmpOp } from '../bpf/insn.ts';

function isJump(i: Insn): boolean {
  return (i.op & 0x07) === JMP && i.ref?.kind === 'label';
}

function isUnconditional(i: Insn): boolean {
  return i.op === (JMP | JmpOp.JA) || i.op === (JMP | JmpOp.EXIT);
}

/** Keeps only instructions reachable from the entry, following fall-through and jumps. */
export function removeUnreachable(insns: Insn[]): Insn[] {
  const byLabel = new Map<string, number>();
  insns.forEach((ins, n) => {
    for (const l of ins.labels ?? []) byLabel.set(l, n);
  });
  const live = new Uint8Array(insns.length);
  const work = [0];
  while (work.length) {
    const n = work.pop() as number;
    if (n >= insns.length || live[n]) continue;
    live[n] = 1;
    const ins = insns[n] as Insn;
    if (isJump(ins)) {
      const t = byLabel.get((ins.ref as { name: string }).name);
      if (t !== undefined) work.push(t);
    }
    if (!isUnconditional(ins)) work.push(n + 1);
  }
  return insns.filter((_, n) => live[n] === 1);
}

/** Drops `goto +0` (an unconditional jump to the very next instruction). */
export function dropTrivialJumps(insns: Insn[]): Insn[] {
  const out: Insn[] = [];
  for (let n = 0; n < insns.length; n++) {
    const ins = insns[n] as Insn;
    const next = insns[n + 1];
    if (ins.op === (JMP | JmpOp.JA) && ins.ref?.kind === 'label' && next?.labels?.includes(ins.ref.name)) {
      // Keep the jump's own labels by moving them onto the next instruction.
      if (ins.labels?.length) next.labels = [...ins.labels, ...(next.labels ?? [])];
      continue;
    }
    out.push(ins);
  }
  return out;
}

/**
 * Jump threading: a jump whose target is an unconditional `goto X` jumps to X directly
 * (conditions compiled as "jump to the false label" often land on such trampolines).
 */
export function threadJumps(insns: Insn[]): Insn[] {
  const byLabel = new Map<string, Insn>();
  for (const ins of insns) for (const l of ins.labels ?? []) byLabel.set(l, ins);
  for (const ins of insns) {
    if (!isJump(ins)) continue;
    let target = (ins.ref as { name: string }).name;
    // Bounded, so a cycle of gotos cannot hang the compiler.
    for (let hops = 0; hops < 16; hops++) {
      const t = byLabel.get(target);
      if (!t || t.op !== (JMP | JmpOp.JA) || t.ref?.kind !== 'label' || t.ref.name === target) break;
      target = t.ref.name;
    }
    ins.ref = { kind: 'label', name: target };
  }
  return insns;
}

export function optimize(insns: Insn[]): Insn[] {
  let out = removeUnreachable(insns);
  out = threadJumps(out);
  out = removeUnreachable(out);
  out = dropTrivialJumps(out);
  return removeUnreachable(out);
}
