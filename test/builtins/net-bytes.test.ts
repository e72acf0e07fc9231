// bswap, buf, pton, ntop, macaddr: real kernel runs through the CLI. Every expected output
// here was produced by bpftrace 0.17 on the same script (0.17 syntax where it differs).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileError, output, probeFile } from './run-script.ts';

test('bswap of each width', () => {
  const out = output(
    'BEGIN { printf("%x %x %x %x\\n", bswap((uint16)0x1234), bswap((uint32)0x12345678), bswap((uint8)0xab), bswap((int16)-2)); ' +
      'printf("%lx %lx\\n", bswap(0x0102030405060708), bswap((uint64)1)); @x = bswap((uint32)0x11223344); printf("%x\\n", bswap((uint16)0xa1b2)); exit(); }',
  );
  assert.equal(out, '3412 78563412 ab feff\n807060504030201 100000000000000\nb2a1\n\n\n@x: 1144201745\n');
});

test('buf: %r, %rx, %rh, run-time lengths, maps', () => {
  const out = output(
    'BEGIN { printf("[%r] [%rx] [%rh]\\n", buf("ab\\tc", 5), buf("hi", 2), buf("hi", 3)); @x = buf("abc", 2); @y[buf("xy", 2)] = 1; ' +
      '$n = 3; printf("%r|%rh\\n", buf("abcdefg", $n), buf(pton("1.2.3.4"))); $big = 100; printf("%r\\n", buf("xyz", $big - 96)); exit(); }',
  );
  assert.equal(out, '[ab\\x09c\\x00] [\\x68\\x69] [68 69 00]\nabc|01 02 03 04\nxyz\\x00\n\n\n@x: ab\n@y[xy]: 1\n');
});

test('pton and ntop, IPv4 and IPv6', () => {
  const out = output(
    'BEGIN { printf("%s %s %s\\n", ntop(0x0100007f), ntop(2, 0x0100007f), ntop(pton("::1"))); ' +
      'printf("%s|%s|%s|%s\\n", ntop(pton("fe80::1:2")), ntop(pton("1.2.3.4")), ntop(pton("1:0:0:2:0:0:0:3")), ntop(10, pton("::ffff:102:304"))); ' +
      'printf("%s %s %s %s\\n", ntop(pton("::")), ntop(pton("1::")), ntop(pton("0:0:1:0:0:1:0:0")), ntop(pton("::1:2:3:4:5:6"))); exit(); }',
  );
  assert.equal(out, '127.0.0.1 127.0.0.1 ::1\nfe80::1:2|1.2.3.4|1:0:0:2::3|::ffff:1.2.3.4\n:: 1:: ::1:0:0:1:0:0 ::1:2:3:4:5:6\n\n\n');
});

test('pton arrays and inet values in maps and print()', () => {
  const out = output(
    'BEGIN { @a = pton("1.2.3.4"); @b = pton("::1"); @x = ntop(0x0100007f); @y[ntop(pton("::1"))] = 1; print(ntop(0x0100007f)); exit(); }',
  );
  assert.equal(out, '127.0.0.1\n\n\n@a: [1,2,3,4]\n@b: [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1]\n@x: 127.0.0.1\n@y[::1]: 1\n');
});

test('macaddr of a user pointer and of a string, as text and as a map key', () => {
  const path = probeFile('MACFILE');
  const out = output(
    'tracepoint:syscalls:sys_enter_openat /pid == cpid && strcontains(str(args.filename), "MACFILE")/ { $s = str(args.filename); printf("%s %s\\n", macaddr(args.filename), macaddr($s)); @m[macaddr(args.filename)] = 1; }',
    { command: `/bin/cat ${path}` },
  );
  // "/tmp/b" as hex pairs: the first six bytes of the path.
  const mac = [...Buffer.from(path.slice(0, 6))].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(':');
  assert.equal(out, `x\n${mac} ${mac}\n\n\n@m[${mac}]: 1\n`);
});

test('network and byte function errors (bpftrace 0.17 wording)', () => {
  assert.match(
    compileError('BEGIN { printf("%s\\n", ntop("a")); }'),
    /^stdin:1:24-33: ERROR: ntop\(\) argument must be 4 or 16 bytes in size\n/,
  );
  assert.match(
    compileError('BEGIN { printf("%d\\n", bswap("a")); }'),
    /^stdin:1:24-34: ERROR: bswap\(\) only supports integer arguments \(string provided\)\n/,
  );
  assert.match(
    compileError('BEGIN { printf("%s\\n", macaddr("abcdef")); }'),
    /ERROR: macaddr\(\) does not support literal string arguments/,
  );
  assert.match(
    compileError('BEGIN { @x = pton("1.2.3"); }'),
    /^stdin:1:14-27: ERROR: pton\(\) expects a valid IPv4\/IPv6 address, got 1.2.3\n/,
  );
  assert.match(
    compileError('BEGIN { @x = pton("abc"); }'),
    /^stdin:1:14-25: ERROR: pton\(\) expects an string argument of an IPv4\/IPv6 address, got abc\n/,
  );
  assert.match(
    compileError('BEGIN { printf("%r\\n", buf(1)); }'),
    /^stdin:1:24-30: ERROR: buf\(\) expects a length argument for non-array type integer\n/,
  );
  assert.match(compileError('BEGIN { printf("%r\\n", buf("ab", -1)); }'), /ERROR: buf\(\) cannot use negative length \(-1\)/);
});

test('buffers and inet values at odd tuple offsets (0.26 aligns them to 1): sizes, print, keys, values, ==', () => {
  const out = output(
    'BEGIN { print(sizeof((1, buf("abc", 3)))); print(sizeof(((int8)1, ntop(0x0100007f)))); ' +
      'print(sizeof(((int16)1, buf("abcd", 4), (int32)7))); ' +
      '$t = ((int8)1, buf("abc", 3), "x", ntop(0x0100007f), (int16)5); print($t); ' +
      '@m[(int8)3, buf("hey", 3)] = ((int8)2, ntop(0x0100007f)); ' +
      '$u = ((int8)9, buf("zz", 2)); print($u.1 == buf("zz", 2)); print($u.1 == buf("zy", 2)); exit(); }',
  );
  assert.equal(out, '8\n25\n16\n(1, abc, x, 127.0.0.1, 5)\ntrue\nfalse\n\n\n@m[3, hey]: (2, 127.0.0.1)\n');
});

test('usym and cgroup_path values at odd tuple offsets: sizes as 0.26, read back and printed', () => {
  const out = output(
    'BEGIN { $t = ((int8)1, usym(0), (int8)2); print(sizeof($t)); print($t); print($t.1); ' +
      'print(sizeof(((int8)1, cgroup_path(cgroup), (int8)2))); $w = ((int8)1, usym(0)); $w = ((int16)2, usym(0)); print($w); exit(); }',
  );
  assert.equal(out, '18\n(1, 0x0, 2)\n0x0\n18\n(2, 0x0)\n\n\n');
});
