// Long string compares and copies are bounded loops (short ones stay unrolled): the code stays
// small at max_strlen 1024, and the kernel's verifier accepts it and it gives the same answers.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { disasm } from '../../src/bpf/disasm.ts';
import { compiledInsns, instructionCounts, output, tempDir } from '../builtins/run-script.ts';

// str() of a variable: str() of a literal integer is folded into that number's text.
const COMPARE = 'BEGIN { $p = 0; $a = str($p); $b = str($p + 8); if ($a == $b) { @x = 1; } }';
const COPY = 'BEGIN { $p = 0; $a = str($p); @m[$a, 1] = 1; }';

/** Whether some jump goes backwards (a loop). Labels are lines of their own before an instruction. */
function hasLoop(script: string, maxStrlen: number): boolean {
  const lines = disasm(compiledInsns(script, { maxStrlen })[0] ?? []).split('\n');
  const at = new Map<string, number>();
  let pending: string[] = [];
  for (const line of lines) {
    const label = /^(\w+):$/.exec(line.trim());
    if (label) pending.push(label[1] as string);
    const insn = /^\s*(\d+):/.exec(line);
    if (insn) {
      for (const l of pending) at.set(l, Number(insn[1]));
      pending = [];
    }
  }
  return lines.some((line) => {
    const m = /^\s*(\d+):.*goto (\w+)/.exec(line);
    const target = m ? at.get(m[2] as string) : undefined;
    return m !== null && target !== undefined && target <= Number(m[1]);
  });
}

test('compares and copies of default-size strings stay unrolled; long ones loop', () => {
  assert.equal(hasLoop(COMPARE, 64), false);
  assert.equal(hasLoop(COPY, 64), false);
  assert.equal(hasLoop(COMPARE, 1024), true);
  assert.equal(hasLoop(COPY, 1024), true);
});

test('long compares and copies do not grow with max_strlen', () => {
  for (const script of [COMPARE, COPY]) {
    const [small] = instructionCounts(script, 64);
    const [large] = instructionCounts(script, 1024);
    assert.ok(small !== undefined && large !== undefined);
    assert.ok(large < 150, `${script}: ${large} insns at 1024 (${small} at 64)`);
  }
});

test('long string compares and copies in the kernel (max_strlen 1024)', () => {
  // Two paths of about 620 bytes that differ only in their last byte, past any unrolled part.
  let dir = tempDir();
  for (const c of ['a', 'b', 'c']) {
    dir = join(dir, c.repeat(200));
    mkdirSync(dir);
  }
  const p1 = join(dir, 'LONG1');
  const p2 = join(dir, 'LONG2');
  writeFileSync(p1, '');
  writeFileSync(p2, '');
  // @last holds the previous path: its lookup copies 1024 bytes, and so do the tuple keys.
  const out = output(
    // The first probe never runs: it only gives @last its type before the compares read it.
    `tracepoint:syscalls:sys_enter_openat /pid == 0/ { @last = str(args.filename); }
     tracepoint:syscalls:sys_enter_openat /pid == cpid && strcontains(str(args.filename), "LONG")/ {
       $f = str(args.filename); printf("%d %d\\n", $f == @last, $f != @last); @last = $f; @k[$f, 7] = count(); }
     END { clear(@last); }`,
    { command: `/bin/cat ${p1} ${p1} ${p2}`, maxStrlen: 1024 },
  );
  const lines = out.split('\n');
  assert.deepEqual(lines.slice(0, 3), ['0 1', '1 0', '0 1']);
  assert.ok(out.includes(`@k[${p1}, 7]: 2\n`), out);
  assert.ok(out.includes(`@k[${p2}, 7]: 1\n`), out);
});

for (const maxStrlen of [100, 1024]) {
  test(`string equality ends at the NUL, whatever follows it (max_strlen ${maxStrlen})`, () => {
    // 75 bytes, so the whole path fits even in 100-byte strings.
    const path = join(tempDir(), `${'q'.repeat(75 - 30)}END`);
    const cut = path.length - 10;
    writeFileSync(path, '');
    // $f first holds the whole path, then its last 10 bytes: the rest of the path is still
    // in its buffer after the new NUL. $h is one byte shorter than $g.
    const out = output(
      `tracepoint:syscalls:sys_enter_openat /pid == cpid && strcontains(str(args.filename), "END")/ {
         $f = str(args.filename); $f = str(args.filename + ${cut}); $g = str(args.filename + ${cut}); $h = str(args.filename + ${cut + 1});
         printf("%d %d %d %d %s\\n", $f == $g, $f != $g, $f == $h, $g == str(args.filename), $f); }`,
      { command: `/bin/cat ${path}`, maxStrlen },
    );
    assert.equal(out.split('\n')[0], `1 0 0 0 ${path.slice(cut)}`);
  });
}
