// Programs carry BTF function info naming them (and their sub-programs), and the running
// programs are listed with those names: what fentry:bpf/fexit:bpf attach to. The BTF blob is
// checked by our own parser; the listing against programs loaded in this kernel.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { btfFuncName, FIRST_FUNC_ID, funcInfoBtf } from '../../src/bpf/btf-func.ts';
import * as C from '../../src/bpf/constants.ts';
import { defaultSys } from '../../src/bpf/default-sys.ts';
import { callSub, exit, movImm, Reg } from '../../src/bpf/insn.ts';
import { openProgramById, runningPrograms } from '../../src/bpf/prog-list.ts';
import { BpfProgram } from '../../src/bpf/program.ts';
import { parseBtf } from '../../src/btf/btf.ts';

describe('function-info BTF', () => {
  it('the program and its sub-programs as static int NAME(void), names sanitised', () => {
    const btf = parseBtf(funcInfoBtf(['tracepoint:syscalls:sys_enter_read_1', 'tracepoint:syscalls:sys_enter_read_1_sub1']));
    const main = btf.get(FIRST_FUNC_ID);
    const sub = btf.get(FIRST_FUNC_ID + 1);
    assert.ok(main.kind === 'func' && sub.kind === 'func');
    assert.equal(main.name, 'tracepoint_syscalls_sys_enter_read_1');
    assert.equal(sub.name, 'tracepoint_syscalls_sys_enter_read_1_sub1');
    assert.equal(main.linkage, 'static');
    assert.equal(btf.typeToString(main.type), 'int()');
    assert.equal(btf.typeToString(sub.type), 'int()');
  });

  it('names the kernel takes on every version: C identifiers of at most 127 characters', () => {
    assert.equal(btfFuncName('kprobe:vfs_read+16_3'), 'kprobe_vfs_read_16_3');
    assert.equal(btfFuncName('1x'), '_1x');
    const long = btfFuncName(`uprobe:/${'a'.repeat(200)}:f_1`);
    assert.equal(long.length, 127);
    assert.notEqual(long, btfFuncName(`uprobe:/${'a'.repeat(200)}:g_1`), 'different long names stay different');
  });
});

describe('running programs (this kernel)', () => {
  it('lists a loaded program and its sub-program under their BTF names and signatures', (t) => {
    const sys = defaultSys();
    let prog: BpfProgram;
    try {
      prog = BpfProgram.load(
        {
          name: 'prog_list_test',
          funcName: 'tracepoint:prog_list:test_1',
          type: C.BPF_PROG_TYPE_RAW_TRACEPOINT,
          // main calls a sub-program that returns 0.
          insns: [callSub('sub'), exit(), { ...movImm(Reg.R0, 0), labels: ['sub'] }, exit()],
          license: 'GPL',
        },
        null,
        sys,
      );
    } catch (e) {
      t.skip(`cannot load BPF programs here: ${(e as Error).message}`);
      return;
    }
    try {
      const id = prog.info().get32('id');
      const mine = runningPrograms(sys).find((p) => p.id === id);
      assert.ok(mine, `program ${id} listed`);
      assert.equal(mine.name, 'prog_list_test');
      assert.equal(mine.hasBtf, true);
      assert.deepEqual(mine.funcs, [
        { name: 'tracepoint_prog_list_test_1', btfId: FIRST_FUNC_ID, retvalSlot: 0, ret: { size: 4, signed: true } },
        { name: 'tracepoint_prog_list_test_1_sub1', btfId: FIRST_FUNC_ID + 1, retvalSlot: 0, ret: { size: 4, signed: true } },
      ]);
      const fd = openProgramById(sys, id);
      sys.close(fd);
    } finally {
      prog.close();
    }
    assert.throws(() => openProgramById(sys, 0x7ffffff0), /BPF_PROG_GET_FD_BY_ID.*ENOENT/);
  });
});
