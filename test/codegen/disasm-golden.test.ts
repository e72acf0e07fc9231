// Code generation pinned by disassembly: each script's programs are printed with the
// disassembler and compared with test/golden/codegen/NAME.asm. Regenerate with UPDATE_GOLDENS=1
// after a deliberate codegen change, and review the diff.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { disasm } from '../../src/bpf/disasm.ts';
import { compileText } from '../helpers/compile.ts';
import { ROOT } from '../helpers/run.ts';

const cases: Record<string, string> = {
  printf_pid: 'BEGIN { printf("hello %d\\n", pid); }',
  count_by_comm: 'BEGIN { @[comm] = count(); }',
  predicate_string: 'BEGIN /comm == "bash"/ { @x = 1; }',
  hist_log2: 'BEGIN { @h = hist(nsecs); }',
  lhist_linear: 'BEGIN { @h = lhist(cpu, 0, 100, 10); }',
  signed_division: 'BEGIN { $a = -7; printf("%d %d\\n", $a / 2, $a % 2); }',
  if_else_while: 'BEGIN { $i = 0; while ($i < 3) { if ($i == 1) { @a = $i; } else { @b = $i; } $i++; } }',
  for_range: 'BEGIN { for ($i : 0..4) { @a[$i] = $i * 2; } }',
  exit_drops_dead_code: 'BEGIN { exit(); printf("never\\n"); }',
  min_max_avg_stats: 'BEGIN { @mi = min(cpu); @ma = max(cpu); @av = avg(cpu); @st = stats(cpu); }',
  // Tracepoint strings: a __data_loc field (filename) and an inline char array (prev_comm).
  tracepoint_strings:
    'tracepoint:sched:sched_process_exec { printf("%s\\n", args.filename); } tracepoint:sched:sched_switch { printf("%s\\n", args.prev_comm); }',
  // Member chains and dereferences read with bpf_probe_read_kernel (script struct: fixed offsets).
  struct_reads_deref:
    'struct Foo { int a; char s[8]; struct Foo *next; } BEGIN { $p = (struct Foo *)0; printf("%d %s %d %d\\n", $p->a, $p->s, $p->next->a, *(int32*)0); }',
};

const dir = join(ROOT, 'test', 'golden', 'codegen');
const update = process.env.UPDATE_GOLDENS === '1';

for (const [name, script] of Object.entries(cases)) {
  test(`codegen golden: ${name}`, () => {
    const r = compileText(script);
    assert.doesNotMatch(r.errors, /ERROR/);
    const text = `; ${script}\n${(r.script?.programs ?? []).map((p) => disasm(p.spec.insns)).join('\n')}\n`;
    const file = join(dir, `${name}.asm`);
    if (update || !existsSync(file)) writeFileSync(file, text);
    assert.equal(text, readFileSync(file, 'utf8'));
  });
}

test('no unreachable instructions survive (the verifier would refuse them)', () => {
  const r = compileText('BEGIN { if (1) { exit(); } else { return; } printf("x\\n"); }');
  const asm = disasm(r.script?.programs[0]?.spec.insns ?? []);
  assert.doesNotMatch(asm, /ringbuf_output[\s\S]*ringbuf_output[\s\S]*ringbuf_output/);
});

test('a predicate comparing with a literal string compares bytes as immediates', () => {
  const r = compileText('BEGIN /comm == "sh"/ { @x = 1; }');
  const asm = disasm(r.script?.programs[0]?.spec.insns ?? []);
  // 's', 'h', NUL compared directly; the literal is never written to memory.
  assert.match(asm, /if r3 != 0x73 goto/);
  assert.match(asm, /if r3 != 0x68 goto/);
  assert.match(asm, /if r3 != 0x0 goto/);
});

test('large strings go to the per-CPU scratch map, not the stack', () => {
  const r = compileText('config = { max_strlen = 1024 } BEGIN { $p = 0; @s[str($p)] = count(); }');
  assert.equal(r.errors, '');
  assert.ok((r.script?.resources.heapSize ?? 0) >= 1024);
  assert.ok(r.script?.resources.internalMaps.some((m) => m.name === 'heap' && m.valueSize >= 1024));
});
