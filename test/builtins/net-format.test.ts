// Address text forms, checked against glibc's inet_pton/inet_ntop (vectors produced with
// Python's socket module, which calls them).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatInet, formatIPv6, formatMac, parseIPv4, parseIPv6 } from '../../src/builtins/net-format.ts';

const V6: [string, string][] = [
  ['::', '::'],
  ['::1', '::1'],
  ['1::', '1::'],
  ['fe80::1:2', 'fe80::1:2'],
  ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
  ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
  ['::1.2.3.4', '::1.2.3.4'],
  ['0:0:1:0:0:1:0:0', '::1:0:0:1:0:0'],
  ['2001:db8::ff00:42:8329', '2001:db8::ff00:42:8329'],
  ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ['1:0:0:0:1:0:0:0', '1::1:0:0:0'],
  ['0:0:0:0:0:1:0:0', '::1:0:0'],
  ['::ffff:0:0', '::ffff:0.0.0.0'],
  ['1::ffff:1.2.3.4', '1::ffff:102:304'],
  ['ABCD:ef01:2345:6789:abcd:ef01:2345:6789', 'abcd:ef01:2345:6789:abcd:ef01:2345:6789'],
  ['0:1:0:0:0:0:0:0', '0:1::'],
  ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
];

test('IPv6 round trips as glibc prints them', () => {
  for (const [text, canonical] of V6) {
    const b = parseIPv6(text);
    assert.ok(b, text);
    assert.equal(formatIPv6(b), canonical, text);
  }
  assert.deepEqual([...(parseIPv6('2001:db8::ff00:42:8329') ?? [])], [32, 1, 13, 184, 0, 0, 0, 0, 0, 0, 255, 0, 0, 66, 131, 41]);
});

test('invalid addresses are refused like inet_pton refuses them', () => {
  for (const bad of [
    '1:::2',
    ':1',
    '1:',
    '1::2::3',
    '12345::',
    'g::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '::1.2.3',
    '1:2:3:4:5:6:7::8',
    '1:2:3:4:5:6:7:8::',
  ]) {
    assert.equal(parseIPv6(bad), null, bad);
  }
  for (const bad of ['01.2.3.4', '256.1.1.1', '1.2.3', '1.2.3.4.5', '1..2.3']) assert.equal(parseIPv4(bad), null, bad);
  assert.deepEqual([...(parseIPv4('0.0.0.0') ?? [])], [0, 0, 0, 0]);
});

test('inet and mac values', () => {
  const v4 = new Uint8Array(16);
  v4.set([10, 0, 0, 255]);
  assert.equal(formatInet(2, v4), '10.0.0.255');
  assert.equal(formatInet(10, parseIPv6('::1') as Uint8Array), '::1');
  assert.equal(formatInet(99, v4), '');
  assert.equal(formatMac(new Uint8Array([0x18, 0xc0, 0x4d, 0x08, 0x2e, 0xbb])), '18:C0:4D:08:2E:BB');
});
