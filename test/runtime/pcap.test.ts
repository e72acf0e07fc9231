// skboutput()'s files: the PCAP byte layout libpcap's pcap_dump writes for bpftrace (RAW link
// type, microsecond timestamps), and the capture's handling of perf samples (call id, offset,
// boot time + event time). Real packets are captured in the VM (test/vm, skboutput_udp).

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SKB_RECORD_SIZE } from '../../src/builtins/skboutput.ts';
import { UserError } from '../../src/lang/diagnostics.ts';
import { EventKind, eventHeader } from '../../src/runtime/events.ts';
import { LINKTYPE_RAW, PcapFile, pcapFileHeader, pcapRecord } from '../../src/runtime/pcap.ts';
import { bootEpochNs, SkbCapture } from '../../src/runtime/skb-capture.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('file header: magic, version 2.4, zone 0, sigfigs 0, snaplen 65535, LINKTYPE_RAW (101)', () => {
  assert.equal(LINKTYPE_RAW, 101);
  assert.equal(hex(pcapFileHeader()), 'd4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + 'ffff0000' + '65000000');
});

test('packet record: seconds, microseconds (truncated), captured and original length, bytes', () => {
  const r = pcapRecord(1_700_000_123_456_789_999n, new Uint8Array([0x45, 0, 0, 0x1c]));
  const v = new DataView(r.buffer);
  assert.equal(r.length, 16 + 4);
  assert.equal(v.getUint32(0, true), 1_700_000_123);
  assert.equal(v.getUint32(4, true), 456_789);
  assert.equal(v.getUint32(8, true), 4);
  assert.equal(v.getUint32(12, true), 4);
  assert.equal(hex(r.subarray(16)), '4500001c');
});

/** A perf sample as the program sends it: header, boot-clock ns, then the packet. */
function sample(id: number, ns: bigint, packet: number[]): Uint8Array {
  const b = new Uint8Array(SKB_RECORD_SIZE + packet.length);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, eventHeader(EventKind.SkbOutput, id), true);
  v.setBigUint64(8, ns, true);
  b.set(packet, SKB_RECORD_SIZE);
  return b;
}

test('a capture writes each call to its file, skipping the offset, timed from boot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpftrace-ts-pcap-'));
  try {
    const a = join(dir, 'a.pcap');
    const b = join(dir, 'b.pcap');
    // Two calls share a.pcap (one file, opened once); the third skips a 14-byte Ethernet header.
    const cap = SkbCapture.open(
      [
        { id: 0, file: a, offset: 0 },
        { id: 1, file: a, offset: 2 },
        { id: 2, file: b, offset: 14 },
      ],
      1_000_000_000_000_000_000n,
    );
    cap.sample(sample(0, 2_500_000n, [1, 2, 3, 4]));
    cap.sample(sample(1, 3_000_000_000n, [1, 2, 3, 4]));
    cap.sample(
      sample(
        2,
        0n,
        Array.from({ length: 20 }, (_, i) => i),
      ),
    );
    cap.sample(sample(2, 0n, [1, 2, 3])); // shorter than the offset: nothing to write
    cap.sample(sample(9, 0n, [1])); // no such call
    const other = sample(0, 0n, [1]);
    new DataView(other.buffer).setUint32(0, EventKind.Printf, true);
    cap.sample(other); // not a skboutput record
    cap.close();

    const fa = readFileSync(a);
    assert.equal(hex(fa.subarray(0, 24)), hex(pcapFileHeader()));
    assert.equal(fa.length, 24 + (16 + 4) + (16 + 2));
    const ra = new DataView(fa.buffer, fa.byteOffset + 24);
    assert.equal(ra.getUint32(0, true), 1_000_000_000);
    assert.equal(ra.getUint32(4, true), 2_500);
    assert.equal(hex(fa.subarray(24 + 16, 24 + 20)), '01020304');
    const rb = new DataView(fa.buffer, fa.byteOffset + 24 + 20);
    assert.equal(rb.getUint32(0, true), 1_000_000_003);
    assert.equal(rb.getUint32(8, true), 2);
    assert.equal(hex(fa.subarray(24 + 20 + 16)), '0304');

    const fb = readFileSync(b);
    assert.equal(fb.length, 24 + 16 + 6);
    assert.equal(hex(fb.subarray(24 + 16)), '0e0f10111213');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a capture file that cannot be created stops the run with its name', () => {
  assert.throws(
    () => SkbCapture.open([{ id: 0, file: '/nonexistent-dir/x.pcap', offset: 0 }], 0n),
    (e: unknown) => e instanceof UserError && e.message === 'Failed to create pcap file /nonexistent-dir/x.pcap: ENOENT',
  );
});

test('PcapFile truncates an existing file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpftrace-ts-pcap-'));
  try {
    const f = join(dir, 'x.pcap');
    const p1 = PcapFile.create(f);
    p1.write(0n, new Uint8Array(100));
    p1.close();
    PcapFile.create(f).close();
    assert.equal(readFileSync(f).length, 24);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('boot time in wall-clock ns: realtime minus boottime, from the tightest reading', () => {
  let t = 0n;
  // realtime advances by 5 ns per reading in the first four rounds, by 1 in the last; boottime is fixed.
  const calls: bigint[] = [];
  const clock = (c: number): bigint => {
    calls.push(BigInt(c));
    if (c === 7) return 500n;
    t += calls.length > 12 ? 1n : 5n;
    return 1_000_000n + t;
  };
  const boot = bootEpochNs(clock);
  assert.equal(calls.length, 15);
  // The last round: before = 1_000_041, after = 1_000_042 (delta 1): its midpoint minus boottime.
  assert.equal(boot, 1_000_041n - 500n);
});
