// show_debug_info end to end: real uprobes on test/progs/inlined.c, whose stacks print as
// bpftrace 0.26 (blazesym) prints them — `func+OFF@FILE:LINE`, `[inlined] name@FILE:LINE`
// frames before the function they are inlined into, `ADDR name (inlined)` in perf mode, a limit
// counting addresses rather than printed frames — and as before with show_debug_info=0 or
// without DWARF.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { buildInlinedProgs, INLINED_SRC, type InlinedProgs } from '../dwarf/inlined-progs.ts';
import { markerLine } from '../dwarf/srclines-progs.ts';
import { isRoot, runCli } from '../helpers/run.ts';

let P: InlinedProgs;
const skip = !isRoot || !existsSync('/sys/bus/event_source/devices/uprobe') ? 'needs root and uprobes' : false;

before(() => {
  if (!skip) P = buildInlinedProgs();
});

function run(script: string, bin: string, env: Record<string, string> = {}): string {
  const r = runCli(['-e', script, '-c', `${bin} 1`], { timeoutMs: 30000, env });
  assert.equal(r.code, 0, `stderr: ${r.stderr}`);
  return r.stdout;
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const at = (marker: string): string => `@${esc(INLINED_SRC)}:${markerLine(marker, INLINED_SRC)}`;

/** The frames leaf's uprobe sees, innermost first, with file:line and inlined calls. */
function withDebugInfo(): string[] {
  return [
    `leaf\\+0${at('leaf-open')}`,
    `\\[inlined\\] deep${at('deep-call')}`,
    `\\[inlined\\] middle${at('middle-call')}`,
    `outer\\+\\d+${at('outer-call')}`,
    `main\\+\\d+${at('main-call')}`,
  ];
}

function frames(lines: string[]): RegExp {
  return new RegExp(`^\\n${lines.map((l) => ` {8}${l}\\n`).join('')}`);
}

describe('ustack with show_debug_info', { skip }, () => {
  for (const flavour of ['o0', 'o2', 'o2dw4'] as const) {
    test(`bpftrace mode: file:line and inlined frames (${flavour})`, () => {
      const out = run(`uprobe:${P[flavour]}:leaf { print(ustack); exit(); }`, P[flavour]);
      assert.match(out, frames(withDebugInfo()));
    });
  }

  test('perf mode: inlined frames as `ADDR name (inlined)` at the address of the frame they are in, no file:line', () => {
    const bin = P.o2;
    const out = run(`uprobe:${bin}:leaf { print(ustack(perf, 3)); exit(); }`, bin);
    const m = new RegExp(
      `^\\n\\t[0-9a-f]+ leaf\\+0 \\(${esc(bin)}\\)\\n\\t([0-9a-f]+) deep \\(inlined\\)\\n\\t\\1 middle \\(inlined\\)\\n\\t\\1 outer\\+\\d+ \\(${esc(bin)}\\)\\n\\t[0-9a-f]+ main\\+\\d+ \\(${esc(bin)}\\)\\n\\n`,
    ).exec(out);
    assert.ok(m, out);
  });

  test('a limit counts addresses: ustack(2) prints four frames', () => {
    const out = run(`uprobe:${P.o2}:leaf { print(ustack(2)); exit(); }`, P.o2);
    assert.match(out, new RegExp(`${frames(withDebugInfo().slice(0, 4)).source}\\n`));
  });

  test('show_debug_info=0 (config or environment) and a binary without DWARF print symbols only', () => {
    const plain = frames(['leaf\\+0', 'outer\\+\\d+', 'main\\+\\d+']);
    assert.match(run(`config = { show_debug_info = 0 } uprobe:${P.o2}:leaf { print(ustack(3)); exit(); }`, P.o2), plain);
    assert.match(run(`uprobe:${P.o2}:leaf { print(ustack(3)); exit(); }`, P.o2, { BPFTRACE_SHOW_DEBUG_INFO: '0' }), plain);
    assert.match(run(`uprobe:${P.nodebug}:leaf { print(ustack(3)); exit(); }`, P.nodebug), plain);
  });

  test('a split function (gcc hot/cold, DWARF ranges only) is offset from 0, as 0.26 (blazesym) prints it', () => {
    const nm = execFileSync('nm', [P.o2], { encoding: 'latin1' });
    const vaddr = Number.parseInt(/^([0-9a-f]+) T split$/m.exec(nm)?.[1] ?? 'x', 16);
    assert.ok(vaddr > 0);
    const out = run(`uprobe:${P.o2}:split { print(ustack(1)); exit(); }`, P.o2);
    assert.match(out, frames([`split\\+${vaddr}@${esc(INLINED_SRC)}:\\d+`]));
    const plain = run(`config = { show_debug_info = 0 } uprobe:${P.o2}:split { print(ustack(1)); exit(); }`, P.o2);
    assert.match(plain, frames(['split\\+0']));
  });

  test('stacks printed after the process exited keep their lines (map keys at exit)', () => {
    const out = run(`uprobe:${P.o2}:leaf { @[ustack(3)] = count(); }`, P.o2);
    assert.match(out, new RegExp(`@\\[${frames(withDebugInfo()).source.slice(1)}\\]: 1\\n`));
    // leaf's second call returns to outer's own code (gcc schedules the epilogue there).
    assert.match(out, new RegExp(`@\\[\\n {8}leaf\\+0${at('leaf-open')}\\n {8}outer\\+\\d+@${esc(INLINED_SRC)}:\\d+\\n {8}main`));
  });
});
