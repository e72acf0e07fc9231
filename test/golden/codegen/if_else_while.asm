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
 18: if r0 == 0x0 goto L3
 19: *(u32 *)(r10 -16) = 1
 20: r1 = map[errors]
 22: r2 = r10
 23: r2 += -16
 24: call bpf_map_lookup_elem#1
 25: if r0 == 0x0 goto L3
 26: r1 = *(u64 *)(r0 +0)
 27: r1 += 1
 28: *(u64 *)(r0 +0) = r1
L5:
L4:
 29: goto L3
L2:
 30: r7 = *(u64 *)(r10 -24)
 31: *(u64 *)(r10 -32) = 0
 32: *(u64 *)(r10 -40) = r7
 33: r1 = map[AT_b]
 35: r2 = r10
 36: r2 += -32
 37: r3 = r10
 38: r3 += -40
 39: r4 = 0
 40: call bpf_map_update_elem#2
 41: if r0 == 0x0 goto L6
 42: *(u32 *)(r10 -16) = 2
 43: r1 = map[errors]
 45: r2 = r10
 46: r2 += -16
 47: call bpf_map_lookup_elem#1
 48: if r0 == 0x0 goto L7
 49: r1 = *(u64 *)(r0 +0)
 50: r1 += 1
 51: *(u64 *)(r0 +0) = r1
L7:
L6:
L3:
 52: r0 = *(u64 *)(r10 -24)
 53: r0 += 1
 54: *(u64 *)(r10 -24) = r0
 55: goto L0
L1:
Lexit:
 56: r0 = 0
Lreturn:
 57: exit
