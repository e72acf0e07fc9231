; BEGIN { $i = 0; while ($i < 3) { if ($i == 1) { @a = $i; } else { @b = $i; } $i++; } }
  0: r6 = r1
  1: r7 = 0
  2: *(u64 *)(r10 -24) = r7
L0:
  3: r7 = *(u64 *)(r10 -24)
  4: if r7 s>= 0x3 goto L1
  5: r7 = *(u64 *)(r10 -24)
  6: if r7 != 0x1 goto L2
  7: r7 = *(u64 *)(r10 -24)
  8: *(u64 *)(r10 -32) = 0
  9: *(u64 *)(r10 -40) = r7
 10: r1 = map[AT_a]
 12: r2 = r10
 13: r2 += -32
 14: r3 = r10
 15: r3 += -40
 16: r4 = 0
 17: call bpf_map_update_elem#2
 18: if r0 s>= 0x0 goto L3
 19: *(u64 *)(r10 -48) = r0
 20: r1 = 0xd ll
 22: *(u64 *)(r10 -56) = r1
 23: r1 = map[ringbuf]
 25: r2 = r10
 26: r2 += -56
 27: r3 = 16
 28: r4 = 0
 29: call bpf_ringbuf_output#130
 30: if r0 == 0x0 goto L5
 31: *(u32 *)(r10 -16) = 0
 32: r1 = map[errors]
 34: r2 = r10
 35: r2 += -16
 36: call bpf_map_lookup_elem#1
 37: if r0 == 0x0 goto L6
 38: r1 = *(u64 *)(r0 +0)
 39: r1 += 1
 40: *(u64 *)(r0 +0) = r1
L6:
L5:
 41: r0 = *(u64 *)(r10 -48)
L4:
 42: goto L3
L2:
 43: r7 = *(u64 *)(r10 -24)
 44: *(u64 *)(r10 -32) = 0
 45: *(u64 *)(r10 -40) = r7
 46: r1 = map[AT_b]
 48: r2 = r10
 49: r2 += -32
 50: r3 = r10
 51: r3 += -40
 52: r4 = 0
 53: call bpf_map_update_elem#2
 54: if r0 s>= 0x0 goto L7
 55: *(u64 *)(r10 -48) = r0
 56: r1 = 0x10000000d ll
 58: *(u64 *)(r10 -56) = r1
 59: r1 = map[ringbuf]
 61: r2 = r10
 62: r2 += -56
 63: r3 = 16
 64: r4 = 0
 65: call bpf_ringbuf_output#130
 66: if r0 == 0x0 goto L8
 67: *(u32 *)(r10 -16) = 0
 68: r1 = map[errors]
 70: r2 = r10
 71: r2 += -16
 72: call bpf_map_lookup_elem#1
 73: if r0 == 0x0 goto L9
 74: r1 = *(u64 *)(r0 +0)
 75: r1 += 1
 76: *(u64 *)(r0 +0) = r1
L9:
L8:
 77: r0 = *(u64 *)(r10 -48)
L7:
L3:
 78: r0 = *(u64 *)(r10 -24)
 79: r0 += 1
 80: *(u64 *)(r10 -24) = r0
 81: goto L0
L1:
Lexit:
 82: r0 = 0
Lreturn:
 83: exit
