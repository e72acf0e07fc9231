import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTracepointFormat, tracepointArgDecls } from '../../src/probes/info/tracepoint-format.ts';

const COMMON = [
  '\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;',
  '\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;',
  '\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;',
  '\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;',
];

function format(name: string, id: number, fields: string[], fmt: string): string {
  return [`name: ${name}`, `ID: ${id}`, 'format:', ...COMMON, '', ...fields, '', `print fmt: ${fmt}`, ''].join('\n');
}

test('parses fields, offsets and the common block', () => {
  const f = parseTracepointFormat(
    format(
      'sys_enter_execve',
      862,
      [
        '\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;',
        '\tfield:const char * filename;\toffset:16;\tsize:8;\tsigned:0;',
        '\tfield:const char *const * argv;\toffset:24;\tsize:8;\tsigned:0;',
      ],
      '"filename: 0x%08lx", ((unsigned long)(REC->filename))',
    ),
  );
  assert.equal(f.name, 'sys_enter_execve');
  assert.equal(f.id, 862);
  assert.equal(f.printFmt, '"filename: 0x%08lx", ((unsigned long)(REC->filename))');
  assert.equal(f.fields.length, 7);
  assert.deepEqual(
    f.fields.filter((x) => x.common).map((x) => x.name),
    ['common_type', 'common_flags', 'common_preempt_count', 'common_pid'],
  );
  const [nr, filename, argv] = f.fields.filter((x) => !x.common);
  assert.deepEqual(nr, {
    name: '__syscall_nr',
    decl: 'int __syscall_nr',
    typeText: 'int',
    offset: 8,
    size: 4,
    signed: true,
    common: false,
    type: { kind: 'integer', size: 4, signed: true },
  });
  assert.deepEqual(filename.type, { kind: 'pointer', target: 'const char' });
  assert.equal(filename.typeText, 'const char *');
  assert.deepEqual(argv.type, { kind: 'pointer', target: 'const char *const' });
  assert.deepEqual(tracepointArgDecls(f), ['int __syscall_nr', 'const char * filename', 'const char *const * argv']);
});

test('arrays, data_loc, rel_loc and odd spellings', () => {
  const f = parseTracepointFormat(
    format(
      'mixed',
      1,
      [
        '\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;',
        '\tfield:__data_loc char[] filename;\toffset:24;\tsize:4;\tsigned:0;',
        '\tfield:__rel_loc u8[] rbuf;\toffset:28;\tsize:4;\tsigned:0;',
        '\tfield:unsigned long args[6];\toffset:32;\tsize:48;\tsigned:0;',
        '\tfield:char comm[TASK_COMM_LEN];\toffset:80;\tsize:16;\tsigned:0;',
        '\tfield:char buf[];\toffset:96;\tsize:0;\tsigned:0;',
        '\tfield:const void *const ptr;\toffset:96;\tsize:8;\tsigned:0;',
        '\tfield:struct robust_list_head * * head_ptr;\toffset:104;\tsize:8;\tsigned:0;',
        '\tfield:__data_loc cpumask_t mask;\toffset:112;\tsize:4;\tsigned:0;',
        '\tfield:pid_t pid;\toffset:116;\tsize:4;\tsigned:1;',
        '\tfield:struct foo embedded;\toffset:120;\tsize:24;\tsigned:0;',
        '\tfield:unsigned char mac[6];\toffset:144;\tsize:6;\tsigned:0;',
        '\tfield:__s16 deltas[4];\toffset:152;\tsize:8;\tsigned:1;',
      ],
      '""',
    ),
  );
  const by = new Map(f.fields.map((x) => [x.name, x]));
  assert.deepEqual(by.get('prev_comm')?.type, {
    kind: 'array',
    elemType: 'char',
    // bpftrace 0.17 types tracepoint fields through clang: `char` is signed on x86-64, whatever
    // the file's `signed:` says (kernels built with -funsigned-char print 0).
    elem: { kind: 'integer', size: 1, signed: true },
    length: 16,
  });
  assert.equal(by.get('prev_comm')?.typeText, 'char[16]');
  assert.deepEqual(by.get('filename')?.type, { kind: 'data_loc', elemType: 'char', relative: false });
  assert.equal(by.get('filename')?.typeText, '__data_loc char[]');
  assert.deepEqual(by.get('rbuf')?.type, { kind: 'data_loc', elemType: 'u8', relative: true });
  assert.deepEqual(by.get('args')?.type, {
    kind: 'array',
    elemType: 'unsigned long',
    elem: { kind: 'integer', size: 8, signed: false },
    length: 6,
  });
  const comm = by.get('comm')?.type;
  assert.equal(comm?.kind === 'array' && comm.length, 16, 'symbolic length from the size');
  const flex = f.fields.find((x) => x.decl === 'char buf[]')?.type;
  assert.equal(flex?.kind === 'array' && flex.length, 0);
  assert.deepEqual(by.get('ptr')?.type, { kind: 'pointer', target: 'const void' });
  assert.deepEqual(by.get('head_ptr')?.type, { kind: 'pointer', target: 'struct robust_list_head *' });
  assert.deepEqual(by.get('mask')?.type, { kind: 'data_loc', elemType: 'cpumask_t', relative: false });
  assert.deepEqual(by.get('pid')?.type, { kind: 'integer', size: 4, signed: true });
  assert.deepEqual(by.get('embedded')?.type, { kind: 'opaque', size: 24 });
  assert.deepEqual(by.get('mac')?.type, {
    kind: 'array',
    elemType: 'unsigned char',
    elem: { kind: 'integer', size: 1, signed: false },
    length: 6,
  });
  assert.deepEqual(by.get('deltas')?.type, {
    kind: 'array',
    elemType: '__s16',
    elem: { kind: 'integer', size: 2, signed: true },
    length: 4,
  });
});
