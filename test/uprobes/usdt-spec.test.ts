// USDT argument specs: registers resolve to the pt_regs offsets of src/builtins/pt-regs.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PT_REGS } from '../../src/builtins/pt-regs.ts';
import { parseRegister, parseUsdtArg } from '../../src/elf/usdt-spec.ts';

test('register names and their parts map to pt_regs offsets', () => {
  const cases: [string, string, number, number][] = [
    ['rax', 'ax', 8, 0],
    ['eax', 'ax', 4, 0],
    ['ax', 'ax', 2, 0],
    ['al', 'ax', 1, 0],
    ['ah', 'ax', 1, 8],
    ['rdi', 'di', 8, 0],
    ['esi', 'si', 4, 0],
    ['bpl', 'bp', 1, 0],
    ['rsp', 'sp', 8, 0],
    ['rip', 'ip', 8, 0],
    ['r8', 'r8', 8, 0],
    ['r9d', 'r9', 4, 0],
    ['r15w', 'r15', 2, 0],
    ['r12b', 'r12', 1, 0],
  ];
  for (const [name, full, size, shift] of cases) {
    assert.deepEqual(parseRegister(name), { offset: PT_REGS[full], size, shift, name }, name);
  }
  assert.equal(PT_REGS.di, 112);
  assert.equal(parseRegister('xmm0'), null);
  assert.equal(parseRegister('cs'), null);
});

test('memory operands resolve base and index registers', () => {
  const a = parseUsdtArg('8@0(%r13,%rax,8)');
  assert.equal(a.kind, 'mem');
  if (a.kind !== 'mem') return;
  assert.equal(a.base?.offset, 16);
  assert.equal(a.index?.offset, 80);
  assert.equal(a.scale, 8);
});
